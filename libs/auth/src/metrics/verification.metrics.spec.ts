import { Reflector } from '@nestjs/core';
import type { ExecutionContext } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { Metrics } from '@tessera/platform';
import { metricValue } from '@tessera/platform/testing';

import { InvalidAuthRequestError, InvalidTokenError, MissingTokenError } from '../auth.errors';
import { resolveAuthOptions } from '../auth.options';
import { AccessTokenGuard } from '../guards/access-token.guard';
import { sharedSecretKey } from '../keys/shared-secret';
import { createTestSigningKey, createTestVerifier, signTestToken } from '../testing';
import { VerificationMetrics } from './verification.metrics';

const issuer = 'https://auth.test';
const audience = 'orders';
const secret = 'a-shared-secret-of-at-least-32-characters!';

function httpContext(authorization?: string): ExecutionContext {
  const rawHeaders = authorization === undefined ? [] : ['authorization', authorization];
  const request = { raw: { rawHeaders }, headers: authorization === undefined ? {} : { authorization } };
  class Handlers {
    handle(): void {}
  }
  return {
    getType: () => 'http',
    getHandler: () => Handlers.prototype.handle,
    getClass: () => Handlers,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({ header: () => undefined }) }),
  } as unknown as ExecutionContext;
}

describe('VerificationMetrics', () => {
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  it('counts what the guard decides: valid tokens, and refusals by outcome and reason', async () => {
    const key = await createTestSigningKey();
    const options = { issuer, audience };
    const { verifier, keys, revocations } = createTestVerifier(options, [key.publicJwk]);
    const metrics = new Metrics('orders');
    const counted = new VerificationMetrics(metrics, keys, revocations);
    const guard = new AccessTokenGuard(new Reflector(), verifier, resolveAuthOptions(options), counted);
    const token = await signTestToken(key, { issuer, audience });
    const at = token.lastIndexOf('.') + 20;
    const forged = `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;

    await guard.canActivate(httpContext(`Bearer ${token}`));
    await guard.canActivate(httpContext(`Bearer ${token}`));
    await expect(guard.canActivate(httpContext(`Bearer ${forged}`))).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(guard.canActivate(httpContext('Bearer not-a-jwt'))).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(guard.canActivate(httpContext())).rejects.toBeInstanceOf(MissingTokenError);

    const text = await metrics.scrape();
    const count = (labels: Record<string, string>) =>
      metricValue(text, 'tessera_auth_token_verifications_total', { transport: 'http', ...labels });
    expect(count({ outcome: 'valid' })).toBe(2);
    expect(count({ outcome: 'invalid', reason: 'bad_signature' })).toBe(1);
    expect(count({ outcome: 'invalid', reason: 'malformed' })).toBe(1);
    expect(count({ outcome: 'missing' })).toBe(1);
    expect(metricValue(text, 'tessera_auth_token_verifications_total', { transport: 'nats' })).toBe(0);
  });

  it('sorts other refusals under their own outcome', async () => {
    const { keys, revocations } = createTestVerifier({ issuer, audience }, []);
    const metrics = new Metrics('profile');
    const counted = new VerificationMetrics(metrics, keys, revocations);
    counted.refused('nats', new InvalidAuthRequestError('two'));
    counted.refused('nats', new Error('unexpected'));
    const text = await metrics.scrape();
    expect(metricValue(text, 'tessera_auth_token_verifications_total', { outcome: 'invalid_request' })).toBe(1);
    expect(metricValue(text, 'tessera_auth_token_verifications_total', { outcome: 'error' })).toBe(1);
  });

  it('reports the age of the newest key, the key set size and the revocation set size', async () => {
    const { keys, revocations } = createTestVerifier({ issuer, audience }, []);
    const metrics = new Metrics('orders');
    new VerificationMetrics(metrics, keys, revocations);
    expect(metricValue(await metrics.scrape(), 'tessera_auth_key_set_age_seconds')).toBeNaN();

    const now = Date.now();
    keys.put({ ...sharedSecretKey(secret), kid: 'old' }, now - 3_600_000);
    keys.put({ ...sharedSecretKey(secret), kid: 'new' }, now - 120_000);
    revocations.putJti('j1', { exp: Math.floor(now / 1000) + 60 });
    revocations.putSubject('u1', { before: Math.floor(now / 1000) });
    let text = await metrics.scrape();
    expect(metricValue(text, 'tessera_auth_key_set_age_seconds')).toBeGreaterThanOrEqual(120);
    expect(metricValue(text, 'tessera_auth_key_set_age_seconds')).toBeLessThan(130);
    expect(metricValue(text, 'tessera_auth_key_set_size')).toBe(2);
    expect(metricValue(text, 'tessera_auth_revocation_set_size')).toBe(2);

    // The newest key withdrawn: the age is the older one's again.
    keys.remove('new');
    text = await metrics.scrape();
    expect(metricValue(text, 'tessera_auth_key_set_age_seconds')).toBeGreaterThanOrEqual(3600);
  });

  it('keeps the publication time of a key that is loaded again without one', () => {
    const { keys } = createTestVerifier({ issuer, audience }, []);
    const key = { ...sharedSecretKey(secret), kid: 'k' };
    keys.put(key, Date.now() - 600_000);
    keys.put(key);
    expect(keys.newestKeyAgeSeconds()).toBeGreaterThanOrEqual(600);
  });
});
