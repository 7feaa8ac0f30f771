import { IsOptional, IsString } from 'class-validator';

import { natsConnectOptions } from '../nats/nats-connect-options';
import { ConfigValidationError, loadConfig } from './load-config';
import { platformOptions, ServiceConfig } from './service.config';

class TestConfig extends ServiceConfig {
  override PORT: number = 3000;

  @IsOptional()
  @IsString()
  DATABASE_URL?: string;
}

const PASSWORD = `p${'0123456789abcdef'.repeat(4)}`;

function load(env: Record<string, string>): TestConfig {
  return loadConfig(TestConfig, env, (c) =>
    c.production && !c.DATABASE_URL ? ['DATABASE_URL is required in production'] : [],
  );
}

function problems(env: Record<string, string>): string[] {
  try {
    load(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigValidationError);
    return (e as ConfigValidationError).problems;
  }
  throw new Error('expected the configuration to be refused');
}

describe('ServiceConfig NATS credentials', () => {
  it('connects anonymously with the default inbox prefix when nothing is set (development)', () => {
    const config = load({});
    expect(config.natsCredentials).toBeUndefined();
    expect(config.NATS_INBOX_PREFIX).toBe('_INBOX');
    expect(natsConnectOptions({ servers: config.NATS_URL }, 'svc')).toEqual({
      servers: ['nats://127.0.0.1:4222'],
      name: 'svc',
      maxReconnectAttempts: -1,
    });
  });

  it('hands user, password and inbox prefix to every connection through the platform options', () => {
    const config = load({ NATS_USER: 'orders', NATS_PASSWORD: PASSWORD, NATS_INBOX_PREFIX: '_INBOX_orders' });
    const options = platformOptions('orders', config);
    expect(options.natsCredentials).toEqual({ user: 'orders', pass: PASSWORD });
    expect(options.natsInboxPrefix).toBe('_INBOX_orders');
    expect(
      natsConnectOptions(
        { servers: 'nats://a:4222,nats://b:4222', credentials: options.natsCredentials, inboxPrefix: '_INBOX_orders' },
        'orders-rpc',
      ),
    ).toEqual({
      servers: ['nats://a:4222', 'nats://b:4222'],
      name: 'orders-rpc',
      maxReconnectAttempts: -1,
      user: 'orders',
      pass: PASSWORD,
      inboxPrefix: '_INBOX_orders',
    });
  });

  it('refuses a user without a password and a password without a user', () => {
    expect(problems({ NATS_USER: 'orders' })).toEqual(['NATS_USER and NATS_PASSWORD must be set together, or neither']);
    expect(problems({ NATS_PASSWORD: PASSWORD })).toEqual([
      'NATS_USER and NATS_PASSWORD must be set together, or neither',
    ]);
  });

  it.each([
    ['too short', `p${'a'.repeat(30)}`],
    ['starting with a digit, which nats.conf would read as a number', `1e3${'a'.repeat(40)}`],
    ['holding a character nats.conf would split on', `p${'a'.repeat(40)},b`],
    ['holding a space', `p${'a'.repeat(40)} b`],
  ])('refuses a password %s, without echoing it', (_, password) => {
    const found = problems({ NATS_USER: 'orders', NATS_PASSWORD: password });
    expect(found).toEqual([expect.stringMatching(/^NATS_PASSWORD: must be 32 to 512 characters: a letter, then/)]);
    expect(found.join('\n')).not.toContain(password);
  });

  it('refuses credentials inside NATS_URL, where logs would show them', () => {
    expect(problems({ NATS_URL: `nats://orders:${PASSWORD}@nats:4222` })).toEqual([
      'NATS_URL must not carry credentials: set NATS_USER and NATS_PASSWORD instead',
    ]);
  });

  it('refuses an inbox prefix with wildcards', () => {
    expect(problems({ NATS_INBOX_PREFIX: '_INBOX.>' })).toEqual([expect.stringMatching(/^NATS_INBOX_PREFIX: must be/)]);
    expect(problems({ NATS_INBOX_PREFIX: '_INBOX.*' })).toEqual([expect.stringMatching(/^NATS_INBOX_PREFIX: must be/)]);
  });

  it('refuses to start in production without NATS credentials, listed with the other problems', () => {
    expect(problems({ NODE_ENV: 'production' })).toEqual([
      'DATABASE_URL is required in production',
      expect.stringMatching(/^NATS_USER and NATS_PASSWORD are required in production/),
    ]);
  });

  it('starts in production with NATS credentials', () => {
    const config = load({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://db/x',
      NATS_USER: 'orders',
      NATS_PASSWORD: PASSWORD,
    });
    expect(config.natsCredentials).toEqual({ user: 'orders', pass: PASSWORD });
  });
});

describe('ServiceConfig NATS_REPLICAS', () => {
  it('creates buckets and streams with one replica unless told otherwise', () => {
    expect(platformOptions('orders', load({})).natsReplicas).toBe(1);
    expect(platformOptions('orders', load({ NATS_REPLICAS: '3' })).natsReplicas).toBe(3);
  });

  it.each(['0', '6', 'three', '1.5'])('refuses %s', (value) => {
    const found = problems({ NATS_REPLICAS: value });
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((p) => p.startsWith('NATS_REPLICAS: '))).toBe(true);
  });
});

describe('ServiceConfig HTTP timeouts', () => {
  const production = {
    NODE_ENV: 'production',
    DATABASE_URL: 'postgres://db/x',
    NATS_USER: 'orders',
    NATS_PASSWORD: PASSWORD,
  };

  it('waits 10 s for headers, 30 s for a whole request and 5 s on an idle keep-alive connection by default', () => {
    expect(platformOptions('orders', load({})).httpTimeouts).toEqual({
      headersMs: 10_000,
      requestMs: 30_000,
      keepAliveMs: 5_000,
    });
    expect(
      platformOptions(
        'orders',
        load({ HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '2000', HTTP_KEEP_ALIVE_TIMEOUT_MS: '500' }),
      ).httpTimeouts,
    ).toEqual({ headersMs: 1000, requestMs: 2000, keepAliveMs: 500 });
  });

  it('lets development turn a timeout off with 0, and refuses that in production', () => {
    expect(load({ HTTP_REQUEST_TIMEOUT_MS: '0' }).HTTP_REQUEST_TIMEOUT_MS).toBe(0);
    expect(
      problems({
        ...production,
        HTTP_HEADERS_TIMEOUT_MS: '0',
        HTTP_REQUEST_TIMEOUT_MS: '0',
        HTTP_KEEP_ALIVE_TIMEOUT_MS: '0',
      }),
    ).toEqual([
      'HTTP_HEADERS_TIMEOUT_MS must not be 0 in production',
      'HTTP_REQUEST_TIMEOUT_MS must not be 0 in production',
      'HTTP_KEEP_ALIVE_TIMEOUT_MS must not be 0 in production',
    ]);
  });

  it('refuses a timeout under 100 ms or over 10 minutes, and headers that may take longer than the request', () => {
    expect(problems({ HTTP_HEADERS_TIMEOUT_MS: '50', HTTP_REQUEST_TIMEOUT_MS: '50' })).toEqual([
      'HTTP_HEADERS_TIMEOUT_MS must be 0 (off) or at least 100 ms',
      'HTTP_REQUEST_TIMEOUT_MS must be 0 (off) or at least 100 ms',
    ]);
    expect(problems({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '600001' })).toEqual([
      expect.stringMatching(/^HTTP_KEEP_ALIVE_TIMEOUT_MS: /),
    ]);
    expect(problems({ HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '10000' })).toEqual([
      'HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS',
    ]);
  });
});
