import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

import { testDatabaseTargets } from '@tessera/platform/testing';

import { deriveDeviceCookieKey, newDeviceClaims, signDeviceToken } from '../src/abuse/device-token';
import type { AuthAppFixture } from './auth-app.fixture';
import { startAuthApp } from './auth-app.fixture';

const password = 'correct horse battery staple';
const wrong = 'not the password at all';
const DEVICE_COOKIE_TTL_SECONDS = 3600;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * Sign-in limits (README.md). Every request leaves from its own loopback address (127.0.0.0/8 is
 * all local on Linux), so each test has client addresses of its own and the per-address limit
 * is exercised for real: the app sees them as Fastify's request.ip. Several clients behind one
 * NAT are requests from one such address.
 */
describe.each(testDatabaseTargets())('login abuse on $name', (target) => {
  const kek = randomBytes(32);
  let auth: AuthAppFixture;
  let port: number;
  let nextAddress = 10;

  beforeAll(async () => {
    auth = await startAuthApp(target, {
      env: {
        AUTH_KEY_ENCRYPTION_KEY: kek.toString('base64'),
        LOGIN_ACCOUNT_MAX_FAILURES: '3',
        LOGIN_LOCKOUT_BASE_SECONDS: '1',
        LOGIN_LOCKOUT_MAX_SECONDS: '2',
        LOGIN_ADDRESS_MAX_FAILURES: '5',
        LOGIN_ADDRESS_WINDOW_SECONDS: '900',
        LOGIN_DEVICE_MAX_FAILURES: '3',
        LOGIN_DEVICE_COOKIE_TTL_SECONDS: String(DEVICE_COOKIE_TTL_SECONDS),
      },
    });
    port = Number(new URL(auth.base).port);
  });

  afterAll(async () => {
    await auth?.close();
  });

  /** A loopback address no other test has used. */
  function address(): string {
    const n = nextAddress++;
    return `127.0.${Math.floor(n / 250)}.${(n % 250) + 1}`;
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

  async function register(email: string): Promise<string> {
    const res = await post('/auth/register', { email, password }, address());
    expect(res.status).toBe(201);
    return (JSON.parse(res.text) as { id: string }).id;
  }

  /** The Set-Cookie line of the device cookie, which a successful sign-in must carry. */
  function deviceCookieLine(res: Answer): string {
    const lines = [res.headers['set-cookie'] ?? []].flat();
    const line = lines.find((l) => l.startsWith('tessera_device='));
    expect(line).toBeDefined();
    return line ?? '';
  }

  /** The device token a successful sign-in set, as the client sends it back. */
  function deviceToken(res: Answer): string {
    expect(res.status).toBe(200);
    return /^tessera_device=([^;]*)/.exec(deviceCookieLine(res))?.[1] ?? '';
  }

  const loginOnDevice = (email: string, pw: string, from: string, token: string) =>
    post('/auth/login', { email, password: pw }, from, { cookie: `tessera_device=${token}` });

  /** Uses up the address's budget (5 failures) with wrong guesses at accounts nobody registered. */
  async function exhaust(from: string): Promise<void> {
    for (let i = 0; i < 5; i++) {
      expect((await login(`spray-${from}-${i}@example.com`, wrong, from)).status).toBe(401);
    }
    expect((await login(`spray-${from}-x@example.com`, password, from)).status).toBe(429);
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

  // First in the file: no other counter has refused anything yet, so the only login_throttled
  // record of the run so far is this test's.
  it('records a flood of 429s as one audit event with their count, once the lock is over', async () => {
    const email = 'flooded@example.com';
    const id = await register(email);
    for (let i = 0; i < 3; i++) {
      expect((await login(email, wrong, address())).status).toBe(401);
    }
    const refused = await Promise.all(Array.from({ length: 12 }, () => login(email, password, address())));
    expect(refused.map((r) => r.status)).toEqual(Array(12).fill(429));
    const events = await auth.streamedEvents('auth.audit.login_throttled.v1', 1);
    expect(events).toEqual([
      {
        type: 'login_throttled',
        occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        subject: id,
        clientAddress: expect.stringMatching(/^127\.0\.\d+\.\d+$/),
        details: {
          scope: 'account',
          refused: '12',
          addresses: '12',
          firstRefusedAt: expect.any(String),
          lastRefusedAt: expect.any(String),
          lockedUntil: expect.any(String),
        },
      },
    ]);
    // Recorded when the lock ended, not at the first refusal.
    const { lockedUntil, lastRefusedAt } = events[0].details as Record<string, string>;
    expect(Date.parse(events[0].occurredAt as string)).toBeGreaterThanOrEqual(Date.parse(lockedUntil) - 50);
    expect(Date.parse(lastRefusedAt)).toBeLessThanOrEqual(Date.parse(lockedUntil));
    expect(JSON.stringify(events)).not.toContain('flooded');
  });

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
  describe('device cookies', () => {
    it('sets an HttpOnly, SameSite=Strict device cookie on /auth with every successful sign-in', async () => {
      const email = 'cookie@example.com';
      await register(email);
      const first = await login(email, password, address());
      const line = deviceCookieLine(first);
      expect(line).toMatch(/; HttpOnly/i);
      expect(line).toMatch(/; SameSite=Strict/i);
      expect(line).toMatch(/; Path=\/auth(;|$)/);
      expect(line).toMatch(new RegExp(`; Max-Age=${DEVICE_COOKIE_TTL_SECONDS}(;|$)`));
      // Secure only in production: these tests speak plain HTTP.
      expect(line).not.toMatch(/; Secure/i);
      expect(line.toLowerCase()).not.toContain('cookie@');
      const second = await login(email, password, address());
      expect(deviceToken(second)).not.toBe(deviceToken(first));
      expect((await login(email, wrong, address())).headers['set-cookie']).toBeUndefined();
    });

    it('lets the admin with a device cookie sign in from an address an attacker has exhausted', async () => {
      const admin = 'office-admin@example.com';
      await register(admin);
      const office = address();
      // Monday: the admin signs in from the office, and the browser keeps the device cookie.
      const token = deviceToken(await login(admin, password, office));
      // Someone on the same office NAT sprays wrong passwords, and hammers the admin's account too.
      await exhaust(office);
      for (let i = 0; i < 3; i++) {
        expect((await login(admin, wrong, address())).status).toBe(401);
      }
      expectRefused(await login(admin, password, address()), admin);
      // A colleague without a device cookie is still refused, as is the admin on a new browser.
      expectRefused(await login(admin, password, office), admin, 900);
      // The admin's own browser gets in, with the right password only.
      expect((await loginOnDevice(admin, wrong, office, token)).status).toBe(401);
      const signedIn = await loginOnDevice(admin, password, office, token);
      expect(signedIn.status).toBe(200);
      expect(JSON.parse(signedIn.text)).toMatchObject({ token_type: 'Bearer' });
      // The fresh cookie it was given works as well.
      expect((await loginOnDevice(admin, password, office, deviceToken(signedIn))).status).toBe(200);
      // And none of this lifted the crowd's limits.
      expectRefused(await login(admin, password, office), admin, 900);
    });

    it("treats a forged, altered, expired or other account's device cookie as an unknown device", async () => {
      const email = 'careful@example.com';
      const id = await register(email);
      const other = 'other@example.com';
      await register(other);
      const shared = address();
      const token = deviceToken(await login(email, password, shared));
      const othersToken = deviceToken(await login(other, password, address()));
      await exhaust(shared);
      const [version, payload, mac] = token.split('.') as [string, string, string];
      const flip = (text: string, at: number) =>
        `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`;
      const key = deriveDeviceCookieKey(kek);
      const expiredClaims = newDeviceClaims(id, new Date(Date.now() - (DEVICE_COOKIE_TTL_SECONDS + 5) * 1000));
      const candidates: Record<string, string> = {
        'another account': othersToken,
        'altered MAC': `${version}.${payload}.${flip(mac, 5)}`,
        'altered payload': `${version}.${flip(payload, 3)}.${mac}`,
        'signed with another key': signDeviceToken(
          deriveDeviceCookieKey(randomBytes(32)),
          newDeviceClaims(id, new Date()),
        ),
        expired: signDeviceToken(key, expiredClaims),
        'not a token': 'let-me-in',
        'too long': `${token}${'A'.repeat(1000)}`,
      };
      for (const [what, candidate] of Object.entries(candidates)) {
        const res = await loginOnDevice(email, password, shared, candidate);
        expect([what, res.status]).toEqual([what, 429]);
      }
      // The genuine cookie, signed with the same key as the expired one, still gets in.
      expect(
        (await loginOnDevice(email, password, shared, signDeviceToken(key, newDeviceClaims(id, new Date())))).status,
      ).toBe(200);
      expect((await loginOnDevice(email, password, shared, token)).status).toBe(200);
    });

    it('distrusts a device cookie after too many failures from it', async () => {
      const email = 'stolen-cookie@example.com';
      await register(email);
      const shared = address();
      const token = deviceToken(await login(email, password, shared));
      await exhaust(shared);
      for (let i = 0; i < 3; i++) {
        expect((await loginOnDevice(email, wrong, shared, token)).status).toBe(401);
      }
      // Now an unknown device: the exhausted address refuses it, right password or not.
      expectRefused(await loginOnDevice(email, password, shared, token), email, 900);
      // Its failures were its own: the account was not locked by them.
      expect((await login(email, password, address())).status).toBe(200);
    });
  });

  describe('concurrent sign-ins', () => {
    it('lets 10 parallel sign-ins with the right password all in, from one address', async () => {
      const email = 'busy@example.com';
      await register(email);
      const from = address();
      const answers = await Promise.all(Array.from({ length: 10 }, () => login(email, password, from)));
      expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
      // Nothing was counted: three wrong passwords still come before the lock.
      for (let i = 0; i < 2; i++) {
        expect((await login(email, wrong, from)).status).toBe(401);
      }
      expect((await login(email, password, from)).status).toBe(200);
    });

    it('lets no more than the limit of 20 parallel wrong guesses reach the password check', async () => {
      const email = 'raced@example.com';
      await register(email);
      const answers = await Promise.all(Array.from({ length: 20 }, () => login(email, wrong, address())));
      // A 401 is a password checked and found wrong; a 429 was refused before any hashing.
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses).toEqual([...Array(3).fill(401), ...Array(17).fill(429)]);
      expectRefused(await login(email, password, address()), email);
    });
  });
});
