import type { IncomingMessage, ServerResponse } from 'node:http';

import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import { Catch, Logger } from '@nestjs/common';
import type { RpcErrorReply } from '@tessera/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { throwError } from 'rxjs';

import { describeError, describeStack } from '../logging/safe-error';
import { toProblem } from './problem';

/**
 * The one place errors leave a service. HTTP gets an RFC 9457 problem body; NATS gets an
 * RpcErrorReply with the same status and code, so a 401/403/404 survives a hop. Unknown
 * errors become a bare 500, logged with the request id and never described to the caller; a
 * failed query is logged by its SQLSTATE, constraint and table only (logging/safe-error.ts).
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost) {
    const { problem, headers, unexpected } = toProblem(exception);
    const type = host.getType();
    if (type === 'http') {
      const request = host.switchToHttp().getRequest<FastifyRequest | IncomingMessage>();
      const reply = host.switchToHttp().getResponse<FastifyReply | ServerResponse>();
      if (unexpected && !clientGone(exception, request)) {
        this.logger.error(
          { msg: 'unhandled error', requestId: (request as { id?: unknown }).id, error: describeError(exception) },
          describeStack(exception),
        );
      }
      // An error answer to a request with a token or a session cookie is as private as a
      // success (SECURITY.md): e.g. a refused refresh cookie, or a body refused before the guard.
      const privateAnswer = carriesCredentials(request);
      if (isFastifyReply(reply)) {
        if (privateAnswer) {
          void reply.header('cache-control', 'no-store');
        }
        void reply.status(problem.status).headers(headers).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
        return;
      }
      // Any other Node HTTP server (Express, or plain node:http under NestJS's Express adapter).
      reply.statusCode = problem.status;
      for (const [name, value] of Object.entries(headers)) {
        reply.setHeader(name, value);
      }
      if (privateAnswer) {
        reply.setHeader('cache-control', 'no-store');
      }
      reply.setHeader('content-type', PROBLEM_CONTENT_TYPE);
      reply.end(JSON.stringify(problem));
      return;
    }
    if (unexpected) {
      this.logger.error(
        { msg: 'unhandled error in message handler', error: describeError(exception) },
        describeStack(exception),
      );
    }
    const reply: RpcErrorReply = {
      status: problem.status,
      code: problem.code,
      message: problem.detail ?? problem.title,
    };
    return throwError(() => reply);
  }
}

const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

function isFastifyReply(reply: FastifyReply | ServerResponse): reply is FastifyReply {
  return 'raw' in reply && typeof reply.send === 'function';
}

/** Whether a request carried credentials: an Authorization header or a cookie (a session's). */
function carriesCredentials(request: FastifyRequest | IncomingMessage): boolean {
  const headers = request.headers;
  return headers.authorization !== undefined || headers.cookie !== undefined;
}

/**
 * A request whose client went away mid-body (it closed the socket, or was cut off for sending
 * too slowly): nothing failed here and no answer can reach it; its request line says so.
 */
function clientGone(exception: unknown, request: FastifyRequest | IncomingMessage): boolean {
  const raw = 'raw' in request ? request.raw : request;
  return (exception as { code?: unknown } | null)?.code === 'ECONNRESET' && raw.socket.destroyed;
}
