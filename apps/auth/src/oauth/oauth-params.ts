import type { ExecutionContext, PipeTransform } from '@nestjs/common';
import { createParamDecorator } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import type { ValidationError } from 'class-validator';
import { getMetadataStorage, validateSync } from 'class-validator';
import type { FastifyRequest } from 'fastify';

import { InvalidOAuthRequestError } from './oauth.errors';

type ParamsClass<T> = new () => T;

/**
 * Validates the parameters of an OAuth request against `dto`, the OAuth way rather than the
 * global ValidationPipe's (which refuses unknown fields):
 * - unknown parameters are ignored (RFC 6749 §3.2, RFC 7009 §2.1);
 * - a parameter sent without a value counts as omitted (RFC 6749 §3.1);
 * - a parameter sent twice (`a=1&a=2` parses into an array) is an invalid_request (§3.1), and
 *   so is one that is not a string (a number or an object in a JSON body);
 * - any other violation is an invalid_request naming the parameter, never echoing its value.
 */
export class OAuthParamsPipe<T extends object> implements PipeTransform<unknown, T> {
  /** The parameters `dto` declares: those with a validation rule. */
  private readonly names: string[];

  constructor(private readonly dto: ParamsClass<T>) {
    const rules = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
    this.names = [...new Set(rules.map((rule) => rule.propertyName))];
  }

  transform(body: unknown): T {
    if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) {
      throw new InvalidOAuthRequestError('The request body must be form-encoded parameters or a JSON object.');
    }
    const params: Record<string, unknown> = {};
    for (const name of this.names) {
      const value = body ? (body as Record<string, unknown>)[name] : undefined;
      if (Array.isArray(value)) {
        throw new InvalidOAuthRequestError(`${name} must not be repeated.`);
      }
      if (value === undefined || value === '') {
        continue;
      }
      // OAuth parameters are strings, whatever a JSON body holds.
      if (typeof value !== 'string') {
        throw new InvalidOAuthRequestError(`${name} must be a string.`);
      }
      params[name] = value;
    }
    const instance = plainToInstance(this.dto, params);
    const errors = validateSync(instance, {
      forbidUnknownValues: true,
      validationError: { target: false, value: false },
    });
    if (errors.length > 0) {
      throw new InvalidOAuthRequestError(describe(errors));
    }
    return instance;
  }
}

function describe(errors: ValidationError[]): string {
  return errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; ') + '.';
}

const RequestBody = createParamDecorator(
  (_data: unknown, context: ExecutionContext) => context.switchToHttp().getRequest<FastifyRequest>().body,
);

/**
 * The request body as OAuth parameters of `dto`. A custom parameter decorator, so the global
 * ValidationPipe (which skips custom decorators) does not refuse the unknown ones first.
 */
export function OAuthParams<T extends object>(dto: ParamsClass<T>): ParameterDecorator {
  return RequestBody(new OAuthParamsPipe(dto));
}
