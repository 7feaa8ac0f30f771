import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import { Catch } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { ClientMetadataError } from './clients.errors';

/** RFC 7591 §3.2.2 error body. */
export interface ClientRegistrationErrorBody {
  error: string;
  error_description: string;
}

/** The RFC 7591 §3.2.2 answer to refused client metadata. */
export function clientRegistrationError(error: ClientMetadataError): ClientRegistrationErrorBody {
  return { error: error.code, error_description: error.message };
}

/**
 * Refused client metadata is answered as RFC 7591 §3.2.2 JSON (`{error, error_description}`),
 * which registration clients read, rather than problem+json. Only this error: a 401, 403, 404
 * or 500 on the same routes stays the platform's problem body.
 */
@Catch(ClientMetadataError)
export class ClientMetadataErrorFilter implements ExceptionFilter<ClientMetadataError> {
  catch(exception: ClientMetadataError, host: ArgumentsHost): void {
    void host
      .switchToHttp()
      .getResponse<FastifyReply>()
      .status(400)
      .header('cache-control', 'no-store')
      .header('content-type', 'application/json; charset=utf-8')
      .send(clientRegistrationError(exception));
  }
}
