import { TesseraError } from '@tessera/platform';

export enum HttpErrorCode {
  UnsupportedMediaType = 'unsupported_media_type',
}

/** Sign-in and registration bodies must be JSON (see JsonBodyGuard): never an HTML form. */
export class JsonBodyRequiredError extends TesseraError {
  constructor() {
    super(HttpErrorCode.UnsupportedMediaType, 415, 'Send the body as application/json.');
  }
}
