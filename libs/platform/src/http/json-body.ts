import type { FastifyBodyParser, FastifyInstance } from 'fastify';

import { TesseraError } from '../errors/tessera-error';

/**
 * How deep a request body's objects and arrays may nest. Every DTO of the apps is a few levels
 * deep; past this, class-transformer and class-validator recurse once per level and a body of a
 * few KB (`[[[[…`) would overflow the stack.
 */
export const MAX_JSON_DEPTH = 64;

export type JsonBodyProblem = 'too_deep' | 'nul_character';

const DETAILS: Record<JsonBodyProblem, string> = {
  too_deep: `The request body nests objects or arrays deeper than ${MAX_JSON_DEPTH} levels.`,
  nul_character: 'The request body contains a NUL character (U+0000), which no field may hold.',
};

/**
 * What makes a parsed body unacceptable, if anything: nesting deeper than MAX_JSON_DEPTH, or a
 * NUL character in a string (PostgreSQL cannot store one in text). One walk, stopped at the
 * depth limit. `mayHoldNul` false skips the string checks: the raw text had no `\u0000`
 * escape, and JSON cannot hold a NUL any other way (a raw control character is not JSON).
 */
export function jsonBodyProblem(value: unknown, mayHoldNul = true): JsonBodyProblem | undefined {
  return walk(value, 0, mayHoldNul);
}

function walk(value: unknown, depth: number, nul: boolean): JsonBodyProblem | undefined {
  if (typeof value === 'string') {
    return nul && value.includes('\u0000') ? 'nul_character' : undefined;
  }
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  if (depth === MAX_JSON_DEPTH) {
    return 'too_deep';
  }
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) {
      const problem = walk(item, depth + 1, nul);
      if (problem) {
        return problem;
      }
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (nul && key.includes('\u0000')) {
      return 'nul_character';
    }
    const problem = walk((value as Record<string, unknown>)[key], depth + 1, nul);
    if (problem) {
      return problem;
    }
  }
  return undefined;
}

/**
 * The JSON body parser: Fastify's own (secure-json-parse, prototype poisoning refused), then
 * jsonBodyProblem, so that such a body is a 400 before any hook, guard or handler sees it,
 * whatever the route. For `useBodyParser('application/json', …)` (the body as a Buffer).
 */
export function guardedJsonParser(fastify: FastifyInstance): FastifyBodyParser<Buffer> {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  return (request, body, done) => {
    void parse(request, body as unknown as string, (error, value) => {
      if (error) {
        done(error, undefined);
        return;
      }
      const problem = jsonBodyProblem(value, body.includes('\\u0000'));
      if (problem) {
        done(new TesseraError('bad_request', 400, DETAILS[problem]), undefined);
        return;
      }
      done(null, value);
    });
  };
}
