import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import { Catch } from '@nestjs/common';
import { ProblemFilter } from '@tessera/platform';

import {
  InsufficientScopeError,
  InvalidAuthRequestError,
  InvalidTokenError,
  MissingTokenError,
  RevocationsUnavailableError,
} from '../auth.errors';

/**
 * The guard's refusals as problem+json with their RFC 6750 challenge (HTTP) or as an error reply
 * with their status (NATS), in an application that has no Tessera error filter of its own:
 * NestJS would turn an unknown error into a bare 500. It formats exactly as PlatformModule's
 * ProblemFilter, so under PlatformModule nothing changes.
 */
@Catch(
  MissingTokenError,
  InvalidTokenError,
  InvalidAuthRequestError,
  InsufficientScopeError,
  RevocationsUnavailableError,
)
export class AuthErrorFilter implements ExceptionFilter {
  private readonly problems = new ProblemFilter();

  catch(exception: unknown, host: ArgumentsHost): unknown {
    return this.problems.catch(exception, host);
  }
}
