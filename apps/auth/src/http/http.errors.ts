import { TesseraError } from '@tessera/platform';

export enum HttpErrorCode {
  UnsupportedMediaType = 'unsupported_media_type',
  CrossSiteRequest = 'cross_site_request',
}

/** Bodies must be JSON outside /oauth/* (see JsonBodyGuard and form-body.ts): never an HTML form. */
export class JsonBodyRequiredError extends TesseraError {
  constructor() {
    super(HttpErrorCode.UnsupportedMediaType, 415, 'Send the body as application/json.');
  }
}

/** A cookie-authenticated route called from another site (see SameOriginGuard). */
export class CrossSiteRequestError extends TesseraError {
  constructor() {
    super(HttpErrorCode.CrossSiteRequest, 403, 'This request must come from the same site as the service.');
  }
}
