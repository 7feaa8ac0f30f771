import type { Answer, RpcOutcome } from './system';

/**
 * No answer may be a 500 or carry a stack trace, whatever was sent: an unexpected input must
 * never reveal the code that failed on it.
 */
export function expectNoLeak(res: Answer): void {
  expect(res.status).toBeGreaterThanOrEqual(200);
  expect(res.status).toBeLessThan(500);
  expect(res.text).not.toMatch(/\n\s+at |"stack"|node_modules|\.ts:\d+/);
}

/** An RFC 9457 problem body with this status and code. */
export function expectProblem(res: Answer, status: number, code: string): void {
  expectNoLeak(res);
  expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.status).toBe(status);
}

/** RFC 6750 §3.1: 401, a Bearer challenge with error="invalid_token", problem code invalid_token. */
export function expectInvalidToken(res: Answer): void {
  expectProblem(res, 401, 'invalid_token');
  expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="tessera", error="invalid_token"/);
}

/** RFC 6750 §3.1: no credentials, a challenge without an error code. */
export function expectMissingToken(res: Answer): void {
  expectProblem(res, 401, 'missing_token');
  expect(res.headers['www-authenticate']).toBe('Bearer realm="tessera"');
}

/** RFC 6750 §3.1: 400 invalid_request. */
export function expectInvalidRequest(res: Answer): void {
  expectProblem(res, 400, 'invalid_request');
  expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="tessera", error="invalid_request"/);
}

/** RFC 6750 §3.1: 403 insufficient_scope naming what was needed. */
export function expectInsufficientScope(res: Answer, scope: string): void {
  expectProblem(res, 403, 'insufficient_scope');
  expect(res.headers['www-authenticate']).toBe(`Bearer realm="tessera", error="insufficient_scope", scope="${scope}"`);
}

/** The same refusal over NATS: a structured error reply with the status and code. */
export function expectRpc(outcome: RpcOutcome, status: number, code?: string): void {
  expect({ status: outcome.status, code: outcome.code }).toEqual({ status, code });
  expect(outcome.message ?? '').not.toMatch(/\n\s+at /);
}

/** RFC 6749 §5.2 error response of the token endpoint. */
export function expectOAuthError(res: Answer, status: number, error: string): void {
  expectNoLeak(res);
  expect({ status: res.status, error: res.body.error }).toEqual({ status, error });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.headers['cache-control']).toBe('no-store');
}
