import type { DatabaseHandle } from '@tessera/platform';
import { eq } from 'drizzle-orm';

import { openTestDatabase } from '../../test/test-database';
import { loadAuthConfig } from '../config/auth.config';
import type * as schema from '../database/schema';
import { loginAttempts } from '../database/schema';
import { TooManyAttemptsError } from './abuse.errors';
import { LoginAttemptsService } from './login-attempts.service';
import { accountKey } from './login-throttle-policy';

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

  it('admits attempts up to the limit, then refuses with the seconds left', async () => {
    const { email, address } = fresh();
    for (let i = 0; i < 3; i++) {
      await attempts.begin(email, address, at(i));
    }
    // The third failure locked the account for the base 10 s, from t=2.
    expect(await refusal(attempts.begin(email, address, at(3)))).toBe(9);
    expect(await refusal(attempts.begin(email, `${address}9`, at(11.5)))).toBe(1);
  });

  it('backs off exponentially after each further failure, capped at the maximum', async () => {
    const { email, address } = fresh();
    let now = 0;
    for (let i = 0; i < 3; i++) {
      await attempts.begin(email, undefined, at(now++));
    }
    const locks: number[] = [];
    for (let i = 0; i < 4; i++) {
      const left = await refusal(attempts.begin(email, address, at(now)));
      locks.push(left);
      now += left;
      await attempts.begin(email, undefined, at(now));
    }
    // 10 s after the third failure, then 20, 40, and 60 (the cap) instead of 80.
    expect(locks).toEqual([9, 20, 40, 60]);
    expect(await refusal(attempts.begin(email, undefined, at(now)))).toBe(60);
  });

  it('does not count attempts refused during a lock, so the lock never grows', async () => {
    const { email } = fresh();
    for (let i = 0; i < 3; i++) {
      await attempts.begin(email, undefined, at(0));
    }
    for (let i = 0; i < 20; i++) {
      await refusal(attempts.begin(email, undefined, at(1)));
    }
    const [row] = await handle.db
      .select()
      .from(loginAttempts)
      .where(eq(loginAttempts.key, accountKey(email)));
    expect(row.failures).toBe(3);
    expect(row.lockedUntil).toEqual(at(10));
  });

  it('resets the account after a success, backoff included', async () => {
    const { email, address } = fresh();
    for (let i = 0; i < 2; i++) {
      await attempts.begin(email, address, at(0));
    }
    const attempt = await attempts.begin(email, address, at(0));
    await attempts.succeeded(attempt);
    const rows = await handle.db
      .select()
      .from(loginAttempts)
      .where(eq(loginAttempts.key, accountKey(email)));
    expect(rows).toEqual([]);
    // Three fresh failures before the next lock, and it starts at the base again.
    for (let i = 0; i < 3; i++) {
      await attempts.begin(email, undefined, at(1));
    }
    expect(await refusal(attempts.begin(email, undefined, at(1)))).toBe(10);
  });

  it('limits one address across many accounts until its window ends', async () => {
    const { address } = fresh();
    for (let i = 0; i < 4; i++) {
      await attempts.begin(`spray${n}-${i}@example.com`, address, at(i));
    }
    expect(await refusal(attempts.begin(`spray${n}-x@example.com`, address, at(10)))).toBe(90);
    await attempts.begin(`spray${n}-y@example.com`, address, at(100));
  });

  it('gives an address back the attempt a success was charged', async () => {
    const { address } = fresh();
    for (let i = 0; i < 3; i++) {
      await attempts.begin(`nat${n}-${i}@example.com`, address, at(0));
    }
    // The fourth attempt reaches the limit, but it was the right password: no lock.
    await attempts.succeeded(await attempts.begin(`nat${n}-ok@example.com`, address, at(0)));
    await attempts.begin(`nat${n}-4@example.com`, address, at(0));
    await refusal(attempts.begin(`nat${n}-5@example.com`, address, at(0)));
  });

  it('starts an account over once its window has passed', async () => {
    const { email } = fresh();
    for (let i = 0; i < 2; i++) {
      await attempts.begin(email, undefined, at(0));
    }
    await attempts.begin(email, undefined, at(86_400));
    await attempts.begin(email, undefined, at(86_401));
    const [row] = await handle.db
      .select()
      .from(loginAttempts)
      .where(eq(loginAttempts.key, accountKey(email)));
    expect(row).toMatchObject({ failures: 2, lockedUntil: null });
  });

  it('lets exactly the limit through when attempts race', async () => {
    const { email } = fresh();
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => attempts.begin(email, `172.16.0.${i}`, at(0))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
  });

  it('prunes counters that are unlocked and past their window', async () => {
    const { email } = fresh();
    await attempts.begin(email, undefined, at(0));
    expect(await attempts.prune(at(3600))).toBe(0);
    expect(await attempts.prune(at(86_400))).toBeGreaterThan(0);
    const rows = await handle.db
      .select()
      .from(loginAttempts)
      .where(eq(loginAttempts.key, accountKey(email)));
    expect(rows).toEqual([]);
  });
});
