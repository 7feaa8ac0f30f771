import { request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

import { ConsoleLogger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { NatsConnection } from '@nats-io/transport-node';
import { connect } from '@nats-io/transport-node';
import { deleteTestNamespace, testDatabaseTargets, testNamespace, testNatsUrl } from '@tessera/platform/testing';

import { createAuthApp } from '../src/app';
import { loadAuthConfig } from '../src/config/auth.config';

const password = 'correct horse battery staple';
const wrong = 'not the password at all';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * Sign-in limits (README.md). Every request leaves from its own loopback address (127.0.0.0/8 is
 * all local on Linux), so each test has client addresses of its own and the per-address limit
 * is exercised for real: the app sees them as Fastify's request.ip.
 */
describe.each(testDatabaseTargets())('login abuse on $name', (target) => {
  const namespace = testNamespace();
  let db: Awaited<ReturnType<typeof target.create>>;
  let app: NestFastifyApplication;
  let port: number;
  let nc: NatsConnection;
  let nextAddress = 10;

  beforeAll(async () => {
    db = await target.create();
    const config = loadAuthConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      NATS_URL: testNatsUrl(),
      NATS_NAMESPACE: namespace,
      AUTH_DATA_DIR: db.dataDir,
      AUTH_DATABASE_URL: db.url,
      AUTH_ISSUER: 'http://auth.test',
      LOGIN_ACCOUNT_MAX_FAILURES: '3',
      LOGIN_LOCKOUT_BASE_SECONDS: '1',
      LOGIN_LOCKOUT_MAX_SECONDS: '2',
      LOGIN_ADDRESS_MAX_FAILURES: '5',
      LOGIN_ADDRESS_WINDOW_SECONDS: '900',
    });
    app = await createAuthApp(config, { logger: new ConsoleLogger('auth', { logLevels: ['error'] }) });
    port = Number(new URL(await app.getUrl()).port);
    nc = await connect({ servers: testNatsUrl() });
  });

  afterAll(async () => {
    await app?.close();
    if (nc) {
      await deleteTestNamespace(nc, namespace);
      await nc.close();
    }
    await db?.drop();
  });

  /** A loopback address no other test has used. */
  function address(): string {
    return `127.0.0.${nextAddress++}`;
  }

  function post(path: string, body: unknown, from: string, headers: Record<string, string> = {}): Promise<Answer> {
    const payload = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path,
          method: 'POST',
          localAddress: from,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  const login = (email: string, pw: string, from: string) => post('/auth/login', { email, password: pw }, from);

  async function register(email: string): Promise<void> {
    expect((await post('/auth/register', { email, password }, address())).status).toBe(201);
  }

  function retryAfter(res: Answer): number {
    const value = res.headers['retry-after'];
    expect(value).toMatch(/^[1-9][0-9]*$/);
    return Number(value);
  }

  /** What a refused attempt must look like, whoever is refused and why. */
  function expectRefused(res: Answer, email: string, maxSeconds = 2): number {
    expect(res.status).toBe(429);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = JSON.parse(res.text) as Record<string, unknown>;
    expect(problem).toMatchObject({ status: 429, code: 'too_many_attempts' });
    expect(problem).not.toHaveProperty('stack');
    expect(res.text).not.toMatch(/\n\s+at /);
    expect(res.text.toLowerCase()).not.toContain(email.toLowerCase());
    expect(res.text.toLowerCase()).not.toContain(email.split('@')[0].toLowerCase());
    const seconds = retryAfter(res);
    expect(seconds).toBeLessThanOrEqual(maxSeconds);
    return seconds;
  }

  it('answers 429 with Retry-After after too many wrong passwords, even to the right one', async () => {
    const email = 'ada@example.com';
    await register(email);
    const from = address();
    for (let i = 0; i < 3; i++) {
      expect((await login(email, wrong, from)).status).toBe(401);
    }
    // The right password during the lockout gets the same 429: no oracle for the guesser.
    expectRefused(await login(email, password, from), email);
    expectRefused(await login(email, password, address()), email);
  });

  it('lets the right password in once Retry-After has passed, and starts the account afresh', async () => {
    const email = 'grace@example.com';
    await register(email);
    for (let i = 0; i < 3; i++) {
      expect((await login(email, wrong, address())).status).toBe(401);
    }
    const wait = expectRefused(await login(email, password, address()), email);
    await sleep(wait * 1000 + 100);
    expect((await login(email, password, address())).status).toBe(200);
    // Reset: three fresh failures before the next lock, and the right password still works.
    expect((await login(email, wrong, address())).status).toBe(401);
    expect((await login(email, wrong, address())).status).toBe(401);
    expect((await login(email, password, address())).status).toBe(200);
  });

  it('backs off exponentially up to the configured maximum', async () => {
    const email = 'backoff@example.com';
    await register(email);
    for (let i = 0; i < 3; i++) {
      expect((await login(email, wrong, address())).status).toBe(401);
    }
    const first = expectRefused(await login(email, wrong, address()), email);
    expect(first).toBe(1);
    await sleep(first * 1000 + 100);
    expect((await login(email, wrong, address())).status).toBe(401);
    const second = expectRefused(await login(email, wrong, address()), email);
    expect(second).toBe(2);
    await sleep(second * 1000 + 100);
    expect((await login(email, wrong, address())).status).toBe(401);
    // 4 s by the doubling, 2 s by LOGIN_LOCKOUT_MAX_SECONDS.
    expect(expectRefused(await login(email, wrong, address()), email)).toBe(2);
  });

  it('slows guesses against one account from rotating addresses', async () => {
    const email = 'rotate@example.com';
    await register(email);
    for (let i = 0; i < 3; i++) {
      expect((await login(email, wrong, address())).status).toBe(401);
    }
    expectRefused(await login(email, wrong, address()), email);
  });

  it('limits one address guessing across many accounts, and only that address', async () => {
    const email = 'victim@example.com';
    await register(email);
    const from = address();
    for (let i = 0; i < 5; i++) {
      expect((await login(`spray${i}@example.com`, wrong, from)).status).toBe(401);
    }
    // Locked for the rest of the address's 900 s window, whichever account it tries next.
    expect(expectRefused(await login(email, password, from), email, 900)).toBeGreaterThan(890);
    expect((await login(email, password, address())).status).toBe(200);
  });

  it('locks an unknown email exactly like a known one: status, headers and body', async () => {
    const known = 'known@example.com';
    const unknown = 'nobody@example.com';
    await register(known);
    const answers: Answer[] = [];
    for (const email of [known, unknown]) {
      for (let i = 0; i < 3; i++) {
        expect((await login(email, wrong, address())).status).toBe(401);
      }
      answers.push(await login(email, wrong, address()));
    }
    const [k, u] = answers;
    expectRefused(k, known);
    expectRefused(u, unknown);
    expect(u.text).toBe(k.text);
    const names = (a: Answer) =>
      Object.keys(a.headers)
        .filter((h) => h !== 'date')
        .sort();
    expect(names(u)).toEqual(names(k));
    for (const name of names(k).filter((h) => h !== 'retry-after' && h !== 'x-request-id')) {
      expect([name, u.headers[name]]).toEqual([name, k.headers[name]]);
    }
  });

  it('throttles the current-password check of POST /auth/password with the same counters', async () => {
    const email = 'change@example.com';
    await register(email);
    const signedIn = await login(email, password, address());
    expect(signedIn.status).toBe(200);
    const { access_token: token } = JSON.parse(signedIn.text) as { access_token: string };
    const auth = { authorization: `Bearer ${token}` };
    const change = (current: string) =>
      post('/auth/password', { currentPassword: current, newPassword: 'a brand new passphrase' }, address(), auth);
    for (let i = 0; i < 3; i++) {
      expect((await change(wrong)).status).toBe(403);
    }
    expectRefused(await change(password), email);
    expectRefused(await login(email, password, address()), email);
  });
});
