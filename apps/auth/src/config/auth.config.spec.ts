import { ConfigValidationError } from '@tessera/platform';

import { loadAuthConfig } from './auth.config';

const KEK = Buffer.alloc(32, 7).toString('base64');

function problems(env: Record<string, string>): string[] {
  try {
    loadAuthConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigValidationError);
    return (e as ConfigValidationError).problems;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadAuthConfig', () => {
  it('starts on development defaults with an empty environment', () => {
    const config = loadAuthConfig({});
    expect(config).toMatchObject({
      PORT: 3001,
      AUTH_DATA_DIR: '.data/auth',
      AUTH_ISSUER: 'http://localhost:3001',
      ACCESS_TOKEN_TTL_SECONDS: 900,
      REFRESH_IDLE_SECONDS: 7 * 86400,
      REFRESH_ABSOLUTE_SECONDS: 30 * 86400,
      REFRESH_REUSE_GRACE_SECONDS: 10,
    });
    expect(config.AUTH_DATABASE_URL).toBeUndefined();
    expect(config.accessTokenAudience).toEqual(['auth', 'orders', 'profile']);
  });

  it('reads numbers from strings', () => {
    expect(loadAuthConfig({ PORT: '0', ACCESS_TOKEN_TTL_SECONDS: '300' })).toMatchObject({
      PORT: 0,
      ACCESS_TOKEN_TTL_SECONDS: 300,
    });
  });

  it('lists every invalid setting at once', () => {
    const list = problems({ ACCESS_TOKEN_TTL_SECONDS: '5', AUTH_DATABASE_URL: 'mysql://x', AUTH_ISSUER: 'issuer' });
    expect(list.some((p) => p.startsWith('ACCESS_TOKEN_TTL_SECONDS'))).toBe(true);
    expect(list.some((p) => p.startsWith('AUTH_DATABASE_URL'))).toBe(true);
    expect(list.some((p) => p.startsWith('AUTH_ISSUER'))).toBe(true);
  });

  it('refuses a key-encryption key that is not 32 bytes, without echoing it', () => {
    const secret = Buffer.alloc(16, 1).toString('base64');
    const list = problems({ AUTH_KEY_ENCRYPTION_KEY: secret });
    expect(list).toEqual([expect.stringContaining('exactly 32 random bytes')]);
    expect(list.join('\n')).not.toContain(secret);
  });

  it('accepts a 32-byte base64 key-encryption key', () => {
    expect(loadAuthConfig({ AUTH_KEY_ENCRYPTION_KEY: KEK }).AUTH_KEY_ENCRYPTION_KEY).toBe(KEK);
  });

  it('refuses an audience list without auth itself', () => {
    expect(problems({ ACCESS_TOKEN_AUDIENCE: 'orders,profile' })).toEqual([
      expect.stringContaining('must include "auth"'),
    ]);
  });

  it('refuses refresh lifetimes outside their bounds', () => {
    const list = problems({
      REFRESH_IDLE_SECONDS: '10',
      REFRESH_ABSOLUTE_SECONDS: '0',
      REFRESH_REUSE_GRACE_SECONDS: '-1',
    });
    for (const name of ['REFRESH_IDLE_SECONDS', 'REFRESH_ABSOLUTE_SECONDS', 'REFRESH_REUSE_GRACE_SECONDS']) {
      expect(list.some((p) => p.startsWith(name))).toBe(true);
    }
  });

  it('refuses an idle refresh lifetime longer than the absolute one', () => {
    expect(problems({ REFRESH_IDLE_SECONDS: '7200', REFRESH_ABSOLUTE_SECONDS: '3600' })).toEqual([
      'REFRESH_IDLE_SECONDS must not exceed REFRESH_ABSOLUTE_SECONDS',
    ]);
  });

  it('refuses an idle refresh lifetime no longer than the access-token lifetime', () => {
    expect(problems({ REFRESH_IDLE_SECONDS: '900', ACCESS_TOKEN_TTL_SECONDS: '900' })).toEqual([
      'REFRESH_IDLE_SECONDS must be longer than ACCESS_TOKEN_TTL_SECONDS',
    ]);
  });

  it('refuses development defaults in production', () => {
    const list = problems({ NODE_ENV: 'production' });
    expect(list).toEqual([
      expect.stringContaining('AUTH_DATABASE_URL is required in production'),
      expect.stringContaining('AUTH_KEY_ENCRYPTION_KEY is required in production'),
    ]);
  });

  it('starts in production with a database and a key-encryption key', () => {
    const config = loadAuthConfig({
      NODE_ENV: 'production',
      AUTH_DATABASE_URL: 'postgres://auth@db:5432/auth',
      AUTH_KEY_ENCRYPTION_KEY: KEK,
    });
    expect(config.production).toBe(true);
  });
});
