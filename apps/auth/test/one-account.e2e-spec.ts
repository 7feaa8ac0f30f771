import { testDatabaseTargets } from '@tessera/platform/testing';
import { decodeJwt } from 'jose';

import { users } from '../src/database/schema';

import type { AuthAppFixture } from './auth-app.fixture';
import { startAuthApp } from './auth-app.fixture';

const password = 'correct horse battery staple';
const adminEmail = 'admin@tessera.test';
const adminPassword = 'a long admin passphrase';

// One person, one account: every spelling of an address a person reads as the same one is the
// same account (NFKC, full case folding, IDNA domain), and an address with an invisible,
// control or format character is refused outright.
describe.each(testDatabaseTargets())('one account per address on $name', (target) => {
  let auth: AuthAppFixture;
  let victimId: string;

  beforeAll(async () => {
    auth = await startAuthApp(target, { env: { ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: adminPassword } });
    const res = await auth.call('POST', '/auth/register', { body: { email: 'victim@example.test', password } });
    expect(res.status).toBe(201);
    victimId = String(res.body.id);
  });

  afterAll(async () => {
    await auth?.close();
  });

  const register = (email: string) => auth.call('POST', '/auth/register', { body: { email, password } });
  const accounts = async () => (await auth.db.select({ email: users.email }).from(users)).map((u) => u.email);

  it.each([
    'Victim@example.test',
    'VICTIM@example.test',
    'victim@EXAMPLE.test',
    '"victim"@example.test',
    '"vic\\tim"@example.test',
    '\uff56\uff49\uff43\uff54\uff49\uff4d@example.test',
    ' Victim@Example.Test ',
  ])('answers 409 email_taken to %j after victim@example.test', async (variant) => {
    const res = await register(variant);
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 409, code: 'email_taken' });
    expect(await accounts()).not.toContain(variant.trim());
  });

  it.each([
    ['a zero-width space', 'vic\u200Btim@example.test'],
    ['a word joiner', 'vic\u2060tim@example.test'],
    ['a soft hyphen', 'vic\u00ADtim@example.test'],
    ['a zero-width joiner', 'vic\u200Dtim@example.test'],
    ['a right-to-left override', 'vic\u202Etim@example.test'],
    ['a byte order mark', 'victim\uFEFF@example.test'],
    ['a variation selector', 'vic\uFE0Ftim@example.test'],
    ['a zero-width space in the domain', 'victim@exam\u200Bple.test'],
  ])('refuses an address with %s: 400 validation_failed, no account', async (_name, email) => {
    const res = await register(email);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 400, code: 'validation_failed' });
    expect((res.body.errors as string[]).join(' ')).toContain('invisible characters');
    expect(res.text).not.toContain(email);
    expect(await accounts()).not.toContain(email);
    const login = await auth.call('POST', '/auth/login', { body: { email, password } });
    expect(login.status).toBe(400);
  });

  it('signs in the account with any spelling of its address, which it shows as typed', async () => {
    const res = await auth.call('POST', '/auth/login', { body: { email: 'VICTIM@Example.test', password } });
    expect(res.status).toBe(200);
    const token = String(res.body.access_token);
    expect(decodeJwt(token).sub).toBe(victimId);
    const me = await auth.call('GET', '/auth/me', { token });
    expect(me.body).toEqual({ id: victimId, email: 'victim@example.test', roles: ['user'] });
  });

  it('shows an address as typed and matches it case-folded and in IDNA form', async () => {
    const typed = await register('Stra\u00dfe@B\u00dcCHER.example');
    expect(typed.status).toBe(201);
    expect(typed.body.email).toBe('Stra\u00dfe@B\u00dcCHER.example');
    for (const variant of ['STRASSE@xn--bcher-kva.example', 'strasse@b\u00fccher.example']) {
      expect((await register(variant)).status).toBe(409);
    }
    const login = await auth.call('POST', '/auth/login', {
      body: { email: 'strasse@xn--bcher-kva.example', password },
    });
    expect(login.status).toBe(200);
  });

  it('keeps Admin@tessera.test from registering beside the admin, whose sign-in it reaches', async () => {
    const res = await register('Admin@tessera.test');
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'email_taken' });
    const login = await auth.call('POST', '/auth/login', {
      body: { email: 'ADMIN@Tessera.Test', password: adminPassword },
    });
    expect(login.status).toBe(200);
    expect(decodeJwt(String(login.body.access_token)).roles).toEqual(['user', 'admin']);
  });

  it('lets one of two simultaneous registrations of two spellings win, the other 409', async () => {
    const statuses = (await Promise.all([register('twin@example.test'), register('TWIN@example.test')])).map(
      (r) => r.status,
    );
    expect(statuses.sort()).toEqual([201, 409]);
  });
});
