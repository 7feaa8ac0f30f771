import { TesseraError } from '@tessera/platform';

export enum HttpErrorCode {
  CrossSiteRequest = 'cross_site_request',
}

/** A cookie-authenticated route called from another site (see SameOriginGuard). */
export class CrossSiteRequestError extends TesseraError {
  constructor() {
    super(HttpErrorCode.CrossSiteRequest, 403, 'This request must come from the same site as the service.');
  }
}
