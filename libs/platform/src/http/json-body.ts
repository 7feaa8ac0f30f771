import type { FastifyBodyParser, FastifyInstance } from 'fastify';

import { TesseraError } from '../errors/tessera-error';

/**
 * How deep a request body's objects and arrays may nest. Every DTO of the apps is a few levels
 * deep; past this, class-transformer and class-validator recurse once per level and a body of a
 * few KB (`[[[[…`) would overflow the stack.
 */
export const MAX_JSON_DEPTH = 64;

export type JsonBodyProblem = 'too_deep' | 'nul_character' | 'lone_surrogate';

const DETAILS: Record<JsonBodyProblem, string> = {
  too_deep: `The request body nests objects or arrays deeper than ${MAX_JSON_DEPTH} levels.`,
  nul_character: 'The request body contains a NUL character (U+0000), which no field may hold.',
  lone_surrogate: 'The request body contains an unpaired UTF-16 surrogate (e.g. \\ud800), which is no character.',
};

/** A high surrogate not followed by a low one, or a low one not after a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** A `\u0000` or `\ud800`-`\udfff` escape in the raw text: the only ways JSON holds either. */
const SUSPECT_ESCAPE = /\\u(0000|[dD][89a-fA-F])/;

function stringProblem(text: string): JsonBodyProblem | undefined {
  if (text.includes('\u0000')) {
    return 'nul_character';
  }
  return LONE_SURROGATE.test(text) ? 'lone_surrogate' : undefined;
}

/**
 * What makes a parsed body unacceptable, if anything: nesting deeper than MAX_JSON_DEPTH, a
 * NUL character in a string (PostgreSQL cannot store one in text), or an unpaired surrogate
 * (no UTF-8 form: validators that percent-encode or byte-count a string throw on it). One walk,
 * stopped at the depth limit. `mayHoldEscapes` false skips the string checks: the raw text had
 * no `\u0000` or surrogate escape, and JSON cannot hold either any other way (a raw control
 * character is not JSON, and invalid UTF-8 bytes decode to U+FFFD).
 */
export function jsonBodyProblem(value: unknown, mayHoldEscapes = true): JsonBodyProblem | undefined {
  return walk(value, 0, mayHoldEscapes);
}

function walk(value: unknown, depth: number, nul: boolean): JsonBodyProblem | undefined {
  if (typeof value === 'string') {
    return nul ? stringProblem(value) : undefined;
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
    const keyProblem = nul ? stringProblem(key) : undefined;
    if (keyProblem) {
      return keyProblem;
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
      const problem = jsonBodyProblem(value, SUSPECT_ESCAPE.test(body.toString('latin1')));
      if (problem) {
        done(new TesseraError('bad_request', 400, DETAILS[problem]), undefined);
        return;
      }
      done(null, value);
    });
  };
}
