import type { DatabaseHandle } from '@tessera/platform';
import { eq } from 'drizzle-orm';
import { openTestDatabase } from '../../test/test-database';
import { loadAuthConfig } from '../config/auth.config';
import type * as schema from '../database/schema';
import { loginAttempts } from '../database/schema';
import { TooManyAttemptsError } from './abuse.errors';
import type { LoginAttempt } from './login-attempts.service';
import { LoginAttemptsService } from './login-attempts.service';
import { accountKey, deviceKey } from './login-throttle-policy';

const t0 = new Date('2030-01-01T00:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

describe('LoginAttemptsService', () => {
  let handle: DatabaseHandle<typeof schema>;
  let attempts: LoginAttemptsService;
  let n = 0;

  beforeAll(async () => {
    handle = await openTestDatabase();
    const config = loadAuthConfig({
      AUTH_ISSUER: 'https://auth.tessera.test',
      LOGIN_ACCOUNT_MAX_FAILURES: '3',
      LOGIN_LOCKOUT_BASE_SECONDS: '10',
      LOGIN_LOCKOUT_MAX_SECONDS: '60',
      LOGIN_ADDRESS_MAX_FAILURES: '4',
      LOGIN_ADDRESS_WINDOW_SECONDS: '100',
      LOGIN_DEVICE_MAX_FAILURES: '2',
    });
    attempts = new LoginAttemptsService(handle.db, config);
  });

  afterAll(async () => {
    await handle.close();
  });

  /** A fresh email and address per test, so the counters of one test never touch another's. */
  function fresh() {
    n++;
    return { email: `user${n}@example.com`, address: `10.0.0.${n}` };
  }

  async function refusal(p: Promise<unknown>): Promise<number> {
    const error = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TooManyAttemptsError);
    return (error as TooManyAttemptsError).retryAfterSeconds;
  }

  /** One wrong password at `now`. */
  async function fail(email: string, address: string | undefined, now: Date) {
    return attempts.failed(await attempts.begin(email, address, now), now);
  }

  async function row(key: string) {
    const [found] = await handle.db.select().from(loginAttempts).where(eq(loginAttempts.key, key));
    return found;
  }

  it('admits attempts up to the limit, then refuses with the seconds left', async () => {
    const { email, address } = fresh();
    for (let i = 0; i < 3; i++) {
      await fail(email, address, at(i));
    }
    // The third failure locked the account for the base 10 s, from t=2.
    expect(await refusal(attempts.begin(email, address, at(3)))).toBe(9);
    expect(await refusal(attempts.begin(email, `${address}9`, at(11.5)))).toBe(1);
  });

  it('reports the lock a failure started, and names the counter that refused', async () => {
    const { email } = fresh();
    expect(await fail(email, undefined, at(0))).toEqual([]);
    expect(await fail(email, undefined, at(0))).toEqual([]);
    expect(await fail(email, undefined, at(1))).toEqual([{ scope: 'account', lockedUntil: at(11) }]);
    const error = (await attempts.begin(email, undefined, at(2)).catch((e: unknown) => e)) as TooManyAttemptsError;
    expect(error.refusal).toEqual({ scope: 'account', key: accountKey(email), lockedUntil: at(11) });
  });

  it('backs off exponentially after each further failure, capped at the maximum', async () => {
    const { email, address } = fresh();
    let now = 0;
    for (let i = 0; i < 3; i++) {
      await fail(email, undefined, at(now++));
    }
    const locks: number[] = [];
    for (let i = 0; i < 4; i++) {
      const left = await refusal(attempts.begin(email, address, at(now)));
      locks.push(left);
      now += left;
      await fail(email, undefined, at(now));
    }
    // 10 s after the third failure, then 20, 40, and 60 (the cap) instead of 80.
    expect(locks).toEqual([9, 20, 40, 60]);
    expect(await refusal(attempts.begin(email, undefined, at(now)))).toBe(60);
  });

  it('does not count attempts refused during a lock, so the lock never grows', async () => {
    const { email } = fresh();
    for (let i = 0; i < 3; i++) {
      await fail(email, undefined, at(0));
    }
    for (let i = 0; i < 20; i++) {
      await refusal(attempts.begin(email, undefined, at(1)));
    }
    expect(await row(accountKey(email))).toMatchObject({ failures: 3, lockedUntil: at(10), inFlight: 0 });
  });

  it('resets the account after a success, backoff included', async () => {
    const { email, address } = fresh();
    for (let i = 0; i < 2; i++) {
      await fail(email, address, at(0));
    }
    await attempts.succeeded(await attempts.begin(email, address, at(0)), at(0));
    expect(await row(accountKey(email))).toMatchObject({ failures: 0, lockedUntil: null, inFlight: 0 });
    // Three fresh failures before the next lock, and it starts at the base again.
    for (let i = 0; i < 3; i++) {
      await fail(email, undefined, at(1));
    }
    expect(await refusal(attempts.begin(email, undefined, at(1)))).toBe(10);
  });

  it('limits one address across many accounts until its window ends', async () => {
    const { address } = fresh();
    for (let i = 0; i < 4; i++) {
      await fail(`spray${n}-${i}@example.com`, address, at(i));
    }
    expect(await refusal(attempts.begin(`spray${n}-x@example.com`, address, at(10)))).toBe(90);
    await attempts.begin(`spray${n}-y@example.com`, address, at(100));
  });

  it('never counts a success against an address: users behind one NAT sign in as often as they like', async () => {
    const { address } = fresh();
    for (let i = 0; i < 3; i++) {
      await fail(`nat${n}-${i}@example.com`, address, at(0));
    }
    for (let i = 0; i < 10; i++) {
      await attempts.succeeded(await attempts.begin(`nat${n}-ok${i}@example.com`, address, at(0)), at(0));
    }
    await fail(`nat${n}-4@example.com`, address, at(0));
    await refusal(attempts.begin(`nat${n}-5@example.com`, address, at(0)));
  });

  it('starts an account over once its window has passed', async () => {
    const { email } = fresh();
    for (let i = 0; i < 2; i++) {
      await fail(email, undefined, at(0));
    }
    await fail(email, undefined, at(86_400));
    await fail(email, undefined, at(86_401));
    expect(await row(accountKey(email))).toMatchObject({ failures: 2, lockedUntil: null });
  });

  it('lets no more than the limit reach the password check when wrong guesses race', async () => {
    const { email } = fresh();
    let checked = 0;
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, async (_, i) => {
        const attempt = await attempts.begin(email, `172.16.${n}.${i}`, at(0));
        checked++;
        await new Promise((resolve) => setTimeout(resolve, 20));
        await attempts.failed(attempt, at(0));
      }),
    );
    expect(checked).toBe(3);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof TooManyAttemptsError)).toHaveLength(17);
    expect(await row(accountKey(email))).toMatchObject({ failures: 3, inFlight: 0 });
  });

  it('lets every one of many parallel right passwords in: checks in progress are not failures', async () => {
    const { email, address } = fresh();
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, async () => {
        const attempt = await attempts.begin(email, address, at(0));
        await new Promise((resolve) => setTimeout(resolve, 20));
        await attempts.succeeded(attempt, at(0));
      }),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    expect(await row(accountKey(email))).toMatchObject({ failures: 0, lockedUntil: null, inFlight: 0 });
  });

  it('gives back the slots of an attempt abandoned before its check', async () => {
    const { email, address } = fresh();
    const held: LoginAttempt[] = [];
    for (let i = 0; i < 3; i++) {
      held.push(await attempts.begin(email, address, at(0)));
    }
    for (const attempt of held) {
      await attempts.abandon(attempt, at(0));
    }
    expect(await row(accountKey(email))).toMatchObject({ failures: 0, inFlight: 0 });
    await attempts.succeeded(await attempts.begin(email, address, at(0)), at(0));
  });

  it('forgets the slots of a check that never ended (its process died) after 30 s', async () => {
    const { email } = fresh();
    for (let i = 0; i < 3; i++) {
      await attempts.begin(email, undefined, at(0));
    }
    await attempts.succeeded(await attempts.begin(email, undefined, at(31)), at(31));
  });

  it('counts a device cookie on its own, apart from its address and its account', async () => {
    const { email, address } = fresh();
    for (let i = 0; i < 4; i++) {
      await fail(`crowd${n}-${i}@example.com`, address, at(0));
    }
    for (let i = 0; i < 3; i++) {
      await fail(email, `${address}1`, at(0));
    }
    await refusal(attempts.begin(email, address, at(1)));
    const device = { nonce: `nonce-${n}`, expiresAt: at(1000) };
    const attempt = await attempts.beginOnDevice(device, at(1));
    expect(attempt).toBeDefined();
    await attempts.succeeded(attempt as LoginAttempt, at(1));
    // The crowd's and the account's counters were neither consulted nor changed.
    expect(await row(accountKey(email))).toMatchObject({ failures: 3 });
  });

  it('distrusts a device cookie after its own failures, until the cookie expires', async () => {
    n++;
    const device = { nonce: `nonce-${n}`, expiresAt: at(1000) };
    const [first] = [await attempts.beginOnDevice(device, at(0))];
    expect(await attempts.failed(first as LoginAttempt, at(0))).toEqual([]);
    const second = await attempts.beginOnDevice(device, at(0));
    expect(await attempts.failed(second as LoginAttempt, at(0))).toEqual([{ scope: 'device', lockedUntil: at(1000) }]);
    expect(await attempts.beginOnDevice(device, at(1))).toBeUndefined();
    expect(await attempts.beginOnDevice(device, at(999))).toBeUndefined();
    expect(await row(deviceKey(device.nonce))).toMatchObject({ failures: 2, lockedUntil: at(1000) });
  });

  it('prunes counters that are unlocked and past their window', async () => {
    const { email } = fresh();
    await fail(email, undefined, at(0));
    expect(await attempts.prune(at(3600))).toBe(0);
    expect(await attempts.prune(at(86_400))).toBeGreaterThan(0);
    expect(await row(accountKey(email))).toBeUndefined();
  });
});
