import { AUDIT_EVENT_TYPES } from '@tessera/contracts';
import { testDatabaseTargets } from '@tessera/platform/testing';
import { decodeJwt } from 'jose';

import type { AuthAppFixture } from './auth-app.fixture';
import { startAuthApp } from './auth-app.fixture';

const adminEmail = 'root@example.com';
const adminPassword = 'the first admin passphrase';
const password = 'correct horse battery staple';
const wrongPassword = 'a wrong but plausible passphrase';

// The audit trail of README.md: login succeeded/failed, lockout, throttled, refresh reuse detected,
// logout and key rotated, each with time, subject and client address, never a password or token.
describe.each(testDatabaseTargets())('audit trail on $name', (target) => {
  let auth: AuthAppFixture;
  /** Every secret-ish string this spec sent or received; none may appear in an audit record. */
  const secrets: string[] = [password, wrongPassword, adminPassword];

  beforeAll(async () => {
    auth = await startAuthApp(target, {
      env: {
        ADMIN_EMAIL: adminEmail,
        ADMIN_PASSWORD: adminPassword,
        // Two failures lock an account; a rotated refresh token is theft at once.
        LOGIN_ACCOUNT_MAX_FAILURES: '2',
        REFRESH_REUSE_GRACE_SECONDS: '0',
      },
    });
  });

  afterAll(async () => {
    await auth?.close();
  });

  async function login(email: string, pw: string) {
    const res = await auth.call('POST', '/auth/login', { body: { email, password: pw } });
    if (res.status === 200) {
      secrets.push(res.body.access_token as string, res.body.refresh_token as string);
    }
    return res;
  }

  async function register(email: string): Promise<string> {
    const res = await auth.call('POST', '/auth/register', { body: { email, password } });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  const audit = (type: string, expected: number) => auth.streamedEvents(`auth.audit.${type}.v1`, expected);
  const address = expect.stringMatching(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
  const time = expect.stringMatching(/^\d{4}-\d\d-\d\dT/);

  it('records a successful sign-in with the user, the address and the session', async () => {
    const id = await register('ada@example.com');
    const res = await login('ada@example.com', password);
    expect(res.status).toBe(200);
    expect(await audit('login_succeeded', 1)).toContainEqual({
      type: 'login_succeeded',
      occurredAt: time,
      subject: id,
      clientAddress: address,
      details: { sessionId: expect.any(String) },
    });
  });

  it('records failed sign-ins with their reason (the caller sees one 401), then the lockout', async () => {
    const id = await register('bob@example.com');
    expect((await login('bob@example.com', wrongPassword)).status).toBe(401);
    expect((await login('nobody@example.com', password)).status).toBe(401);
    expect((await login('bob@example.com', wrongPassword)).status).toBe(401);
    expect((await login('bob@example.com', password)).status).toBe(429);
    const failed = await audit('login_failed', 3);
    expect(failed).toEqual([
      {
        type: 'login_failed',
        occurredAt: time,
        subject: id,
        clientAddress: address,
        details: { reason: 'wrong_password' },
      },
      {
        type: 'login_failed',
        occurredAt: time,
        subject: null,
        clientAddress: address,
        details: { reason: 'unknown_account' },
      },
      {
        type: 'login_failed',
        occurredAt: time,
        subject: id,
        clientAddress: address,
        details: { reason: 'wrong_password' },
      },
    ]);
    const lockouts = await audit('lockout', 1);
    expect(lockouts).toEqual([
      {
        type: 'lockout',
        occurredAt: time,
        subject: id,
        clientAddress: address,
        details: { scope: 'account', lockedUntil: time },
      },
    ]);
    const { lockedUntil } = lockouts[0].details as { lockedUntil: string };
    expect(Date.parse(lockedUntil)).toBeGreaterThan(Date.parse(lockouts[0].occurredAt as string));
    // The 429 is not recorded on its own: its lock's window ends with one record of every refusal.
    expect(await audit('login_throttled', 1)).toEqual([
      {
        type: 'login_throttled',
        occurredAt: time,
        subject: id,
        clientAddress: address,
        details: {
          scope: 'account',
          refused: '1',
          addresses: '1',
          firstRefusedAt: time,
          lastRefusedAt: time,
          lockedUntil,
        },
      },
    ]);
  });

  it('records a refresh token reuse, naming the session it ended', async () => {
    const id = await register('eve@example.com');
    const first = await login('eve@example.com', password);
    const rotated = await auth.call('POST', '/auth/refresh', { body: { refresh_token: first.body.refresh_token } });
    expect(rotated.status).toBe(200);
    secrets.push(rotated.body.access_token as string, rotated.body.refresh_token as string);
    const reused = await auth.call('POST', '/auth/refresh', { body: { refresh_token: first.body.refresh_token } });
    expect(reused.status).toBe(401);
    const [event] = await audit('refresh_reuse_detected', 1);
    expect(event).toEqual({
      type: 'refresh_reuse_detected',
      occurredAt: time,
      subject: id,
      clientAddress: address,
      details: { sessionId: expect.any(String) },
    });
  });

  it('records logout and logout-all', async () => {
    const id = await register('dan@example.com');
    const one = await login('dan@example.com', password);
    const two = await login('dan@example.com', password);
    expect((await auth.call('POST', '/auth/logout', { token: one.body.access_token as string })).status).toBe(204);
    expect((await auth.call('POST', '/auth/logout-all', { token: two.body.access_token as string })).status).toBe(204);
    const mine = (await audit('logout', 2)).filter((e) => e.subject === id);
    expect(mine).toEqual([
      {
        type: 'logout',
        occurredAt: time,
        subject: id,
        clientAddress: address,
        details: { scope: 'session', sessionId: expect.any(String) },
      },
      { type: 'logout', occurredAt: time, subject: id, clientAddress: address, details: { scope: 'all' } },
    ]);
  });

  it('records a key rotation with the admin who asked for it', async () => {
    const admin = await login(adminEmail, adminPassword);
    const rotated = await auth.call('POST', '/admin/keys/rotate', {
      token: admin.body.access_token as string,
      body: {},
    });
    expect(rotated.status).toBe(200);
    const events = await audit('key_rotated', 1);
    expect(events).toEqual([
      {
        type: 'key_rotated',
        occurredAt: time,
        subject: decodeJwt(admin.body.access_token as string).sub,
        clientAddress: address,
        details: { kid: rotated.body.kid, alg: 'RS256', how: 'rotated' },
      },
    ]);
  });

  it('records a client registration and its removal with the admin, never the client secret', async () => {
    const admin = await login(adminEmail, adminPassword);
    const token = admin.body.access_token as string;
    const registered = await auth.call('POST', '/admin/clients', {
      token,
      body: { client_name: 'Planner', redirect_uris: ['https://planner.example.com/callback'] },
    });
    expect(registered.status).toBe(201);
    secrets.push(registered.body.client_secret as string);
    const clientId = registered.body.client_id as string;
    expect((await auth.call('DELETE', `/admin/clients/${clientId}`, { token })).status).toBe(204);
    const subject = decodeJwt(token).sub;
    const details = { clientId, clientName: 'Planner' };
    expect(await audit('client_registered', 1)).toEqual([
      { type: 'client_registered', occurredAt: time, subject, clientAddress: address, details },
    ]);
    expect(await audit('client_removed', 1)).toEqual([
      { type: 'client_removed', occurredAt: time, subject, clientAddress: address, details },
    ]);
  });

  it('never carries a password, a token, a client secret or an email address', async () => {
    // 6 sign-ins, 3 failures, 1 lockout, 1 throttled, 1 reuse, 2 logouts, 1 rotation, 1 client registered and removed.
    const all = await auth.streamedEvents('auth.audit.>', 17);
    expect(all).toHaveLength(17);
    expect(new Set(all.map((e) => e.type))).toEqual(new Set(AUDIT_EVENT_TYPES));
    const text = JSON.stringify(all);
    for (const secret of secrets) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/@example\.com/);
  });
});
