import { BadRequestException, PayloadTooLargeException } from '@nestjs/common';
import { InvalidTokenError } from '@tessera/auth';
import { TesseraError } from '@tessera/platform';

import { SigningKeyUnavailableError } from '../keys/keys.errors';
import { InvalidGrantError } from '../sessions/sessions.errors';
import { InvalidClientError, InvalidScopeError, UnsupportedGrantTypeError } from './oauth.errors';
import { toOAuthErrorResponse } from './oauth-error.filter';

describe('toOAuthErrorResponse', () => {
  it('sends OAuth errors as RFC 6749 §5.2 bodies with their status and headers', () => {
    expect(toOAuthErrorResponse(new InvalidClientError())).toEqual({
      status: 401,
      body: { error: 'invalid_client', error_description: 'Client authentication failed.' },
      headers: { 'WWW-Authenticate': 'Basic realm="tessera"' },
      unexpected: false,
    });
    expect(toOAuthErrorResponse(new InvalidScopeError())).toMatchObject({
      status: 400,
      body: { error: 'invalid_scope' },
    });
    expect(toOAuthErrorResponse(new UnsupportedGrantTypeError())).toMatchObject({
      status: 400,
      body: { error: 'unsupported_grant_type' },
    });
  });

  it('answers another domain error of the caller’s making as invalid_request', () => {
    expect(toOAuthErrorResponse(new InvalidGrantError('reused'))).toMatchObject({
      status: 400,
      body: { error: 'invalid_request' },
    });
    expect(toOAuthErrorResponse(new InvalidTokenError())).toMatchObject({
      status: 400,
      body: { error: 'invalid_request' },
    });
  });

  it('answers "try again later" as 503 temporarily_unavailable with Retry-After', () => {
    expect(toOAuthErrorResponse(new SigningKeyUnavailableError())).toMatchObject({
      status: 503,
      body: { error: 'temporarily_unavailable' },
      headers: { 'Retry-After': '5' },
      unexpected: false,
    });
  });

  it('answers what the framework refused before the route ran as invalid_request', () => {
    const parse = Object.assign(new SyntaxError('Unexpected end of JSON input'), { statusCode: 400 });
    const media = Object.assign(new Error('Unsupported Media Type: text/plain'), { statusCode: 415 });
    expect(toOAuthErrorResponse(parse)).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(toOAuthErrorResponse(media).body.error_description).toMatch(/x-www-form-urlencoded/);
    expect(toOAuthErrorResponse(new PayloadTooLargeException()).body.error_description).toBe(
      'The request body is too large.',
    );
    expect(toOAuthErrorResponse(new BadRequestException('forbidden prototype property'))).toMatchObject({
      status: 400,
      body: { error: 'invalid_request', error_description: 'The request could not be parsed.' },
    });
  });

  it('answers a bug with a bare server_error that tells nothing of it', () => {
    for (const bug of [
      new TypeError('secret detail at x.ts:1:2'),
      new TesseraError('internal_error', 500, 'boom'),
      'x',
    ]) {
      const response = toOAuthErrorResponse(bug);
      expect(response).toEqual({
        status: 500,
        body: { error: 'server_error', error_description: 'The server could not handle the request.' },
        headers: {},
        unexpected: true,
      });
    }
  });
});
