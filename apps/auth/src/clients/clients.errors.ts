import { TesseraError } from '@tessera/platform';

/** RFC 7591 §3.2.2 error codes of client registration. */
export enum ClientRegistrationErrorCode {
  InvalidRedirectUri = 'invalid_redirect_uri',
  InvalidClientMetadata = 'invalid_client_metadata',
}

/**
 * Refused client metadata. `POST /admin/clients` answers it as RFC 7591 §3.2.2 JSON (`{error,
 * error_description}`) rather than problem+json, as registration clients expect; the message
 * names the member and the rule, never echoes a value.
 */
export class ClientMetadataError extends TesseraError {
  constructor(code: ClientRegistrationErrorCode, message: string) {
    super(code, 400, message);
  }
}

export class ClientNotFoundError extends TesseraError {
  constructor() {
    super('client_not_found', 404, 'No such client.');
  }
}
