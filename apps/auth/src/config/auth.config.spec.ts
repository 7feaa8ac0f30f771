import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { ConfigValidationError } from '@tessera/platform';

import { loadAuthConfig } from './auth.config';

const KEK = Buffer.alloc(32, 7).toString('base64');
const SECRET_A = 'a'.repeat(43);
const SECRET_B = 'b'.repeat(43);
/** Production refuses an anonymous NATS connection (docker/nats/nats.conf has a user per service). */
const NATS_CREDENTIALS = { NATS_USER: 'auth', NATS_PASSWORD: `p${'a'.repeat(40)}` };

/** Production sends mail: it needs an SMTP server and a From address. */
const MAIL = { SMTP_URL: 'smtps://tessera:pw@mail.example.com:465', MAIL_FROM: 'Tessera <no-reply@example.com>' };

/** Everything production requires, each given directly. */
const PRODUCTION = {
  NODE_ENV: 'production',
  AUTH_DATABASE_URL: 'postgres://auth@db:5432/auth',
  AUTH_KEY_ENCRYPTION_KEY: KEK,
  SERVICE_CLIENT_SECRET_ORDERS: SECRET_A,
  SERVICE_CLIENT_SECRET_PROFILE: SECRET_B,
  ...NATS_CREDENTIALS,
  ...MAIL,
};

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

  it('takes an access-token lifetime down to 10 s outside production (tests), and at least 60 s in production', () => {
    expect(loadAuthConfig({ NODE_ENV: 'test', ACCESS_TOKEN_TTL_SECONDS: '10' }).ACCESS_TOKEN_TTL_SECONDS).toBe(10);
    expect(problems({ ACCESS_TOKEN_TTL_SECONDS: '9' })).toEqual([
      expect.stringMatching(/^ACCESS_TOKEN_TTL_SECONDS: .*not be less than 10/),
    ]);
    expect(problems({ ...PRODUCTION, ACCESS_TOKEN_TTL_SECONDS: '59' })).toEqual([
      'ACCESS_TOKEN_TTL_SECONDS must be at least 60 in production (shorter lifetimes are for tests)',
    ]);
    expect(loadAuthConfig({ ...PRODUCTION, ACCESS_TOKEN_TTL_SECONDS: '60' }).ACCESS_TOKEN_TTL_SECONDS).toBe(60);
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

  it('takes the first admin from ADMIN_EMAIL and ADMIN_PASSWORD, both or neither', () => {
    expect(loadAuthConfig({ ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'x'.repeat(12) })).toMatchObject({
      ADMIN_EMAIL: 'root@example.com',
      ADMIN_PASSWORD: 'x'.repeat(12),
    });
    expect(problems({ ADMIN_EMAIL: 'root@example.com' })).toEqual([
      'ADMIN_EMAIL and ADMIN_PASSWORD must be set together, or neither',
    ]);
    expect(problems({ ADMIN_PASSWORD: 'x'.repeat(12) })).toEqual([
      'ADMIN_EMAIL and ADMIN_PASSWORD must be set together, or neither',
    ]);
  });

  it('holds ADMIN_PASSWORD to the password policy and ADMIN_EMAIL to an address, echoing neither', () => {
    for (const password of ['x'.repeat(11), 'x'.repeat(129)]) {
      const list = problems({ ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: password });
      expect(list).toEqual([expect.stringMatching(/^ADMIN_PASSWORD: .*12 to 128 characters/)]);
      expect(list.join('\n')).not.toContain(password);
    }
    expect(problems({ ADMIN_EMAIL: 'root', ADMIN_PASSWORD: 'x'.repeat(12) })).toEqual([
      expect.stringMatching(/^ADMIN_EMAIL: /),
    ]);
  });

  it('hashes passwords with the OWASP argon2id parameters unless configured otherwise', () => {
    expect(loadAuthConfig({}).passwordHashOptions).toEqual({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
    expect(
      loadAuthConfig({
        PASSWORD_HASH_MEMORY_KIB: '47104',
        PASSWORD_HASH_ITERATIONS: '1',
        PASSWORD_HASH_PARALLELISM: '2',
      }).passwordHashOptions,
    ).toEqual({ memoryCost: 47104, timeCost: 1, parallelism: 2 });
  });

  it('refuses argon2id parameters below the weakest OWASP setting', () => {
    expect(problems({ PASSWORD_HASH_MEMORY_KIB: '19456', PASSWORD_HASH_ITERATIONS: '1' })).toEqual([
      expect.stringContaining('PASSWORD_HASH_MEMORY_KIB x PASSWORD_HASH_ITERATIONS must be at least 35840'),
    ]);
    const list = problems({
      PASSWORD_HASH_MEMORY_KIB: '1024',
      PASSWORD_HASH_ITERATIONS: '0',
      PASSWORD_HASH_PARALLELISM: '0',
    });
    for (const name of ['PASSWORD_HASH_MEMORY_KIB', 'PASSWORD_HASH_ITERATIONS', 'PASSWORD_HASH_PARALLELISM']) {
      expect(list.some((p) => p.startsWith(name))).toBe(true);
    }
  });

  it('refuses an idle refresh lifetime no longer than the access-token lifetime', () => {
    expect(problems({ REFRESH_IDLE_SECONDS: '900', ACCESS_TOKEN_TTL_SECONDS: '900' })).toEqual([
      'REFRESH_IDLE_SECONDS must be longer than ACCESS_TOKEN_TTL_SECONDS',
    ]);
  });

  it('keeps its lifetimes within what verifiers accept, refusing a longer access token by name', () => {
    expect(problems({ ACCESS_TOKEN_TTL_SECONDS: '3601' })).toEqual([
      expect.stringMatching(/^ACCESS_TOKEN_TTL_SECONDS: .*not be greater than 3600/),
    ]);
    const config = loadAuthConfig({ ACCESS_TOKEN_TTL_SECONDS: '3600' });
    expect(config.keyRetentionSeconds).toBe(3660);
    expect(loadAuthConfig({}).keyRetentionSeconds).toBe(960);
  });

  it('names every lifetime rule a configuration breaks, at once', () => {
    expect(
      problems({
        ...PRODUCTION,
        ACCESS_TOKEN_TTL_SECONDS: '30',
        REFRESH_IDLE_SECONDS: '7200',
        REFRESH_ABSOLUTE_SECONDS: '3600',
      }),
    ).toEqual([
      'ACCESS_TOKEN_TTL_SECONDS must be at least 60 in production (shorter lifetimes are for tests)',
      'REFRESH_IDLE_SECONDS must not exceed REFRESH_ABSOLUTE_SECONDS',
    ]);
    expect(problems({ ...PRODUCTION, ACCESS_TOKEN_TTL_SECONDS: '3600', REFRESH_IDLE_SECONDS: '3600' })).toEqual([
      'REFRESH_IDLE_SECONDS must be longer than ACCESS_TOKEN_TTL_SECONDS',
    ]);
  });

  it('refuses development defaults in production, naming every missing client secret and NATS credentials', () => {
    const list = problems({ NODE_ENV: 'production' });
    expect(list).toEqual([
      expect.stringContaining('AUTH_DATABASE_URL is required in production'),
      expect.stringContaining('AUTH_KEY_ENCRYPTION_KEY is required in production'),
      expect.stringContaining('SMTP_URL is required in production'),
      expect.stringContaining('MAIL_FROM is required in production'),
      expect.stringMatching(/^SERVICE_CLIENT_SECRET_ORDERS is required in production: .*"orders"/),
      expect.stringMatching(/^SERVICE_CLIENT_SECRET_PROFILE is required in production: .*"profile"/),
      expect.stringMatching(/^NATS_USER and NATS_PASSWORD are required in production/),
    ]);
  });

  it('starts in production with a database, a key-encryption key, every client secret and NATS credentials', () => {
    const config = loadAuthConfig(PRODUCTION);
    expect(config.production).toBe(true);
    expect(config.serviceClientSecrets).toEqual(
      new Map([
        ['orders', SECRET_A],
        ['profile', SECRET_B],
      ]),
    );
  });

  it('reads production secrets from <NAME>_FILE files, as docker-compose.yml passes them', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tessera-auth-config-'));
    const file = (name: string, value: string): string => {
      writeFileSync(path.join(dir, name), `${value}\n`);
      return path.join(dir, name);
    };
    try {
      const config = loadAuthConfig({
        NODE_ENV: 'production',
        AUTH_DATABASE_URL_FILE: file('db', 'postgres://auth:pw@db:5432/auth'),
        AUTH_KEY_ENCRYPTION_KEY_FILE: file('kek', KEK),
        SERVICE_CLIENT_SECRET_ORDERS_FILE: file('orders', SECRET_A),
        SERVICE_CLIENT_SECRET_PROFILE_FILE: file('profile', SECRET_B),
        NATS_USER: 'auth',
        NATS_PASSWORD_FILE: file('nats', NATS_CREDENTIALS.NATS_PASSWORD),
        SMTP_URL_FILE: file('smtp', MAIL.SMTP_URL),
        MAIL_FROM: MAIL.MAIL_FROM,
      });
      expect(config.AUTH_DATABASE_URL).toBe('postgres://auth:pw@db:5432/auth');
      expect(config.SMTP_URL).toBe(MAIL.SMTP_URL);
      expect(config.AUTH_KEY_ENCRYPTION_KEY).toBe(KEK);
      expect(config.NATS_PASSWORD).toBe(NATS_CREDENTIALS.NATS_PASSWORD);
      expect(config.serviceClientSecrets).toEqual(
        new Map([
          ['orders', SECRET_A],
          ['profile', SECRET_B],
        ]),
      );
      expect(problems({ NATS_PASSWORD: NATS_CREDENTIALS.NATS_PASSWORD, NATS_PASSWORD_FILE: file('n2', 'x') })).toEqual([
        'NATS_PASSWORD and NATS_PASSWORD_FILE are both set: set one of them',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('service clients', () => {
    it('declares orders (profile:read) and profile (orders:read) by default, without secrets in development', () => {
      const config = loadAuthConfig({});
      expect(config.serviceClients).toEqual([
        { id: 'orders', scopes: ['profile:read'], secretVariable: 'SERVICE_CLIENT_SECRET_ORDERS' },
        { id: 'profile', scopes: ['orders:read'], secretVariable: 'SERVICE_CLIENT_SECRET_PROFILE' },
      ]);
      expect(config.serviceClientSecrets.size).toBe(0);
    });

    it('lets profile exchange user tokens for orders by default, only while profile is declared; none lets nobody', () => {
      expect(loadAuthConfig({}).tokenExchangeClients).toEqual([
        { id: 'profile', scopes: ['orders:read'], secretVariable: 'SERVICE_CLIENT_SECRET_PROFILE' },
      ]);
      expect(loadAuthConfig({ SERVICE_CLIENTS: 'orders=profile:read' }).tokenExchangeClients).toEqual([]);
      expect(loadAuthConfig({ TOKEN_EXCHANGE_CLIENTS: 'none' }).tokenExchangeClients).toEqual([]);
      // Set explicitly, a client SERVICE_CLIENTS does not declare is refused at start.
      expect(
        problems({ SERVICE_CLIENTS: 'orders=profile:read', TOKEN_EXCHANGE_CLIENTS: 'profile=orders:read' }),
      ).toEqual([
        'TOKEN_EXCHANGE_CLIENTS lists "profile", which SERVICE_CLIENTS does not declare (a client must authenticate to exchange a token)',
      ]);
    });

    it('reads several space-separated scopes per client and a secret named after a dashed id', () => {
      const config = loadAuthConfig({
        SERVICE_CLIENTS: 'billing-worker=orders:read orders:write orders:read,orders=profile:read',
        SERVICE_CLIENT_SECRET_BILLING_WORKER: SECRET_A,
      });
      expect(config.serviceClients[0]).toEqual({
        id: 'billing-worker',
        scopes: ['orders:read', 'orders:write'],
        secretVariable: 'SERVICE_CLIENT_SECRET_BILLING_WORKER',
      });
      expect(config.serviceClientSecrets.get('billing-worker')).toBe(SECRET_A);
    });

    it.each([
      'orders',
      'orders=',
      'orders=read',
      'Orders=profile:read',
      'orders=profile:read,',
      'orders=profile:read  profile:write',
      'orders_x=profile:read',
      'orders=profile:read;profile=orders:read',
    ])('refuses the malformed declaration %j', (value) => {
      expect(problems({ SERVICE_CLIENTS: value })).toEqual([
        expect.stringMatching(/^SERVICE_CLIENTS: SERVICE_CLIENTS must be comma-separated/),
      ]);
    });

    it('refuses a client declared twice', () => {
      expect(problems({ SERVICE_CLIENTS: 'orders=profile:read,orders=orders:read' })).toEqual([
        'SERVICE_CLIENTS declares the client "orders" more than once',
      ]);
    });

    it('refuses a secret shorter than 32 characters without echoing it', () => {
      const short = 'a'.repeat(31);
      const list = problems({ SERVICE_CLIENT_SECRET_ORDERS: short });
      expect(list).toEqual([expect.stringMatching(/^SERVICE_CLIENT_SECRET_ORDERS must be 32 to 512 characters/)]);
      expect(list.join('\n')).not.toContain(short);
    });

    it('refuses a secret no declared client uses, a likely typo', () => {
      expect(problems({ SERVICE_CLIENT_SECRET_ORDER: SECRET_A })).toEqual([
        'SERVICE_CLIENT_SECRET_ORDER is set, but SERVICE_CLIENTS declares no client it belongs to',
      ]);
    });
  });
  describe('AUTH_SIGNING_ALG', () => {
    const HS_SECRET = 'h'.repeat(32);

    it('signs RS256 by default and accepts ES256', () => {
      expect(loadAuthConfig({}).AUTH_SIGNING_ALG).toBe('RS256');
      expect(loadAuthConfig({ AUTH_SIGNING_ALG: 'ES256' }).AUTH_SIGNING_ALG).toBe('ES256');
    });

    it('refuses an algorithm it does not sign with', () => {
      expect(problems({ AUTH_SIGNING_ALG: 'none' })).toEqual(['AUTH_SIGNING_ALG: must be RS256, ES256 or HS256']);
      expect(problems({ AUTH_SIGNING_ALG: 'HS512' })).toEqual(['AUTH_SIGNING_ALG: must be RS256, ES256 or HS256']);
    });

    it('requires a shared secret of at least 32 bytes in HS256 mode, without echoing it', () => {
      expect(problems({ AUTH_SIGNING_ALG: 'HS256' })).toEqual([
        'AUTH_HS256_SECRET is required when AUTH_SIGNING_ALG is HS256',
      ]);
      const short = 's3cr3t-'.repeat(4);
      const found = problems({ AUTH_SIGNING_ALG: 'HS256', AUTH_HS256_SECRET: short });
      expect(found).toEqual(['AUTH_HS256_SECRET: must be 32 to 512 characters (openssl rand -base64 48)']);
      expect(found.join(' ')).not.toContain(short);
      expect(loadAuthConfig({ AUTH_SIGNING_ALG: 'HS256', AUTH_HS256_SECRET: HS_SECRET }).AUTH_HS256_SECRET).toBe(
        HS_SECRET,
      );
    });

    it('refuses a shared secret next to a key-pair algorithm: the modes never mix', () => {
      expect(problems({ AUTH_HS256_SECRET: HS_SECRET })).toEqual([
        'AUTH_HS256_SECRET is set but AUTH_SIGNING_ALG is RS256: set AUTH_SIGNING_ALG=HS256 or remove the secret',
      ]);
    });

    it('needs no key-encryption key in production in HS256 mode, which stores no private key', () => {
      const config = loadAuthConfig({
        NODE_ENV: 'production',
        AUTH_DATABASE_URL: 'postgres://db/auth',
        AUTH_SIGNING_ALG: 'HS256',
        AUTH_HS256_SECRET: HS_SECRET,
        ADMIN_EMAIL: 'admin@example.com',
        ADMIN_PASSWORD: 'correct horse battery',
        SERVICE_CLIENT_SECRET_ORDERS: SECRET_A,
        SERVICE_CLIENT_SECRET_PROFILE: SECRET_B,
        ...NATS_CREDENTIALS,
        ...MAIL,
      });
      expect(config.AUTH_SIGNING_ALG).toBe('HS256');
    });
  });

  describe('mail', () => {
    it('refuses to start in production without SMTP_URL or MAIL_FROM, listed with the other problems', () => {
      const { SMTP_URL: _url, ...withoutSmtp } = PRODUCTION;
      expect(problems(withoutSmtp)).toEqual(['SMTP_URL is required in production (without it no mail leaves)']);
      const { MAIL_FROM: _from, ...withoutFrom } = PRODUCTION;
      expect(problems(withoutFrom)).toEqual(['MAIL_FROM is required in production (the From of every mail)']);
      expect(problems({ ...PRODUCTION, AUTH_DATABASE_URL: '' })).toEqual([
        expect.stringContaining('AUTH_DATABASE_URL is required in production'),
      ]);
      expect(loadAuthConfig(PRODUCTION)).toMatchObject({ SMTP_URL: MAIL.SMTP_URL, mailFrom: MAIL.MAIL_FROM });
    });

    it('starts without SMTP_URL outside production, sending from Tessera <no-reply@localhost>', () => {
      const config = loadAuthConfig({});
      expect(config.SMTP_URL).toBeUndefined();
      expect(config.mailFrom).toBe('Tessera <no-reply@localhost>');
      expect(loadAuthConfig({ MAIL_FROM: 'ops@example.com' }).mailFrom).toBe('ops@example.com');
    });

    it('takes smtp:// and smtps:// URLs only, without echoing one that holds a password', () => {
      expect(loadAuthConfig({ SMTP_URL: 'smtp://127.0.0.1:1025' }).SMTP_URL).toBe('smtp://127.0.0.1:1025');
      expect(loadAuthConfig({ SMTP_URL: 'smtps://u:p@mail.example.com' }).SMTP_URL).toBe(
        'smtps://u:p@mail.example.com',
      );
      const list = problems({ SMTP_URL: 'http://user:hunter2-secret@mail.example.com' });
      expect(list).toEqual([expect.stringMatching(/^SMTP_URL: SMTP_URL must be an smtp:\/\/ or smtps:\/\/ URL/)]);
      expect(list.join('\n')).not.toContain('hunter2-secret');
    });

    it('refuses a MAIL_FROM that is not one address', () => {
      for (const from of ['Tessera', 'a@b.c, d@e.f', 'Tessera <no-reply@example.com>\r\nBcc: x@y.z']) {
        expect(problems({ MAIL_FROM: from })).toEqual([
          expect.stringMatching(/^MAIL_FROM: MAIL_FROM must be an address/),
        ]);
      }
    });
  });

  it('throttles sign-ins by default: 5 failures, 1 s doubling to 900 s, 20 per address per 15 min', () => {
    expect(loadAuthConfig({}).loginThrottle).toEqual({
      account: { maxFailures: 5, windowSeconds: 86400, lockoutBaseSeconds: 1, lockoutMaxSeconds: 900 },
      address: { maxFailures: 20, windowSeconds: 900 },
      // A device cookie: 5 failures of its own a day, valid for 90 days.
      device: { maxFailures: 5, windowSeconds: 86400 },
      deviceCookieSeconds: 90 * 86400,
    });
  });

  it('refuses sign-in throttling settings out of bounds', () => {
    const found = problems({
      LOGIN_ACCOUNT_MAX_FAILURES: '0',
      LOGIN_LOCKOUT_MAX_SECONDS: '86401',
      LOGIN_ADDRESS_WINDOW_SECONDS: '0',
      LOGIN_DEVICE_MAX_FAILURES: '0',
      LOGIN_DEVICE_COOKIE_TTL_SECONDS: String(366 * 86400),
    }).join('\n');
    expect(found).toContain('LOGIN_ACCOUNT_MAX_FAILURES');
    expect(found).toContain('LOGIN_LOCKOUT_MAX_SECONDS');
    expect(found).toContain('LOGIN_ADDRESS_WINDOW_SECONDS');
    expect(found).toContain('LOGIN_DEVICE_MAX_FAILURES');
    expect(found).toContain('LOGIN_DEVICE_COOKIE_TTL_SECONDS');
  });

  it('refuses a lockout base longer than its maximum', () => {
    expect(problems({ LOGIN_LOCKOUT_BASE_SECONDS: '60', LOGIN_LOCKOUT_MAX_SECONDS: '30' })).toEqual([
      'LOGIN_LOCKOUT_BASE_SECONDS must not exceed LOGIN_LOCKOUT_MAX_SECONDS',
    ]);
  });

  describe('PUBLIC_WEB_URL', () => {
    it('is unset by default, and taken as it is with its origin in CORS_ORIGINS', () => {
      expect(loadAuthConfig({}).PUBLIC_WEB_URL).toBeUndefined();
      const env = { PUBLIC_WEB_URL: 'http://localhost:3000', CORS_ORIGINS: 'http://localhost:3000' };
      expect(loadAuthConfig(env).PUBLIC_WEB_URL).toBe('http://localhost:3000');
      expect(
        loadAuthConfig({
          ...PRODUCTION,
          PUBLIC_WEB_URL: 'https://console.example.com/app',
          CORS_ORIGINS: 'https://console.example.com',
        }).PUBLIC_WEB_URL,
      ).toBe('https://console.example.com/app');
    });

    it('refuses plain http except to a loopback host, in production as in development', () => {
      const refused = ['PUBLIC_WEB_URL must use https (plain http is allowed only for localhost, 127.0.0.1 or [::1])'];
      expect(problems({ PUBLIC_WEB_URL: 'http://console.test', CORS_ORIGINS: 'http://console.test' })).toEqual(refused);
      expect(
        problems({
          ...PRODUCTION,
          PUBLIC_WEB_URL: 'http://console.example.com',
          CORS_ORIGINS: 'https://console.example.com',
        }),
      ).toEqual(refused);
      // docker compose: the console on the user's own machine.
      expect(
        loadAuthConfig({
          ...PRODUCTION,
          PUBLIC_WEB_URL: 'http://localhost:3000',
          CORS_ORIGINS: 'http://localhost:3000',
        }).PUBLIC_WEB_URL,
      ).toBe('http://localhost:3000');
    });

    it.each(['localhost:3000', 'http://localhost:3000/', 'https://x.example/?a=1', 'ftp://x.example'])(
      'refuses %s',
      (value) => {
        expect(problems({ PUBLIC_WEB_URL: value })).toEqual([
          'PUBLIC_WEB_URL: must be an http(s) URL without query, fragment or trailing slash',
        ]);
      },
    );

    it('refuses a URL not in canonical form, which would never match the redirect URI a browser sends', () => {
      expect(
        problems({ PUBLIC_WEB_URL: 'https://Console.example.com:443', CORS_ORIGINS: 'https://console.example.com' }),
      ).toEqual([
        'PUBLIC_WEB_URL must be written in canonical form (lower-case scheme and host, no default port, no user:password@)',
      ]);
    });

    it('refuses a console whose origin CORS_ORIGINS does not list', () => {
      expect(problems({ PUBLIC_WEB_URL: 'http://localhost:3000', CORS_ORIGINS: 'http://localhost:4000' })).toEqual([
        "PUBLIC_WEB_URL's origin must be listed in CORS_ORIGINS (the console calls auth with credentials)",
      ]);
      expect(problems({ PUBLIC_WEB_URL: 'http://localhost:3000' })).toEqual([
        "PUBLIC_WEB_URL's origin must be listed in CORS_ORIGINS (the console calls auth with credentials)",
      ]);
    });
  });
});
