import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import { Catch, HttpException, Logger } from '@nestjs/common';
import { describeError, describeStack, TesseraError } from '@tessera/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { OAuthError, OAuthErrorCode } from './oauth.errors';

/** RFC 6749 §5.2 error body. */
export interface OAuthErrorBody {
  error: string;
  error_description: string;
}

export interface OAuthErrorResponse {
  status: number;
  body: OAuthErrorBody;
  headers: Record<string, string>;
  /** Not one of ours: log it, show nothing of it. */
  unexpected: boolean;
}

/** RFC 6749 §5.1/§5.2: nothing from the token endpoints may be cached, errors included. */
export const NO_STORE_HEADERS = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;

function response(status: number, error: OAuthErrorCode, description: string, headers = {}, unexpected = false) {
  return { status, body: { error, error_description: description }, headers, unexpected };
}

/** Maps anything thrown on an OAuth route to an RFC 6749 error; only bugs become a 500. */
export function toOAuthErrorResponse(exception: unknown): OAuthErrorResponse {
  if (exception instanceof OAuthError) {
    return response(exception.status, exception.code as OAuthErrorCode, exception.message, exception.headers);
  }
  if (exception instanceof TesseraError) {
    if (exception.status === 503) {
      return response(503, OAuthErrorCode.TemporarilyUnavailable, exception.message, exception.headers);
    }
    if (exception.status < 500) {
      return response(400, OAuthErrorCode.InvalidRequest, exception.message);
    }
    return response(500, OAuthErrorCode.ServerError, 'The server could not handle the request.', {}, true);
  }
  const status: unknown =
    exception instanceof HttpException ? exception.getStatus() : Reflect.get(Object(exception), 'statusCode');
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // The framework refused the request before the route ran (unparsable body, wrong media type).
    const description =
      status === 413
        ? 'The request body is too large.'
        : status === 415
          ? 'Send the parameters as application/x-www-form-urlencoded or application/json.'
          : 'The request could not be parsed.';
    return response(400, OAuthErrorCode.InvalidRequest, description);
  }
  return response(500, OAuthErrorCode.ServerError, 'The server could not handle the request.', {}, true);
}

/**
 * The OAuth endpoints answer errors as RFC 6749 §5.2 JSON (`{error, error_description}`), not
 * as the platform's problem+json: OAuth client libraries read `error`. Scoped to the OAuth
 * controller with @UseFilters; every other route keeps the platform's ProblemFilter.
 */
@Catch()
export class OAuthErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('OAuth');

  catch(exception: unknown, host: ArgumentsHost): void {
    const { status, body, headers, unexpected } = toOAuthErrorResponse(exception);
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    if (unexpected) {
      this.logger.error(
        {
          msg: 'unhandled error',
          requestId: request.id,
          error: describeError(exception),
        },
        describeStack(exception),
      );
    }
    void host
      .switchToHttp()
      .getResponse<FastifyReply>()
      .status(status)
      .headers({ ...headers, ...NO_STORE_HEADERS })
      .header('content-type', 'application/json; charset=utf-8')
      .send(body);
  }
}
