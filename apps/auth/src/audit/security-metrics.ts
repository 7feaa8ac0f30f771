import { Injectable } from '@nestjs/common';
import type { CounterCell } from '@tessera/platform';
import { Metrics } from '@tessera/platform';

/** How a `POST /auth/login` ended: a session, the one 401 for every bad credential, or a 429. */
export type LoginOutcome = 'succeeded' | 'invalid_credentials' | 'throttled';

/** Which sign-in counter a lockout locked: the account, the client address, or one device cookie. */
export type LockoutScope = 'account' | 'address' | 'device';

/**
 * Counters of the security events the audit trail records, for alerting (/metrics):
 * `tessera_auth_login_attempts_total{outcome}`, `tessera_auth_lockouts_total{scope}` and
 * `tessera_auth_refresh_reuse_detections_total`. Counts only: who and from where stays in the
 * audit trail.
 */
@Injectable()
export class SecurityMetrics {
  private readonly logins: Record<LoginOutcome, CounterCell>;
  private readonly lockouts: Record<LockoutScope, CounterCell>;
  private readonly reuses: CounterCell;

  constructor(metrics: Metrics) {
    const logins = metrics.cellCounter({
      name: 'tessera_auth_login_attempts_total',
      help: 'Sign-in attempts at POST /auth/login, by outcome (succeeded, invalid_credentials, throttled).',
      labelNames: ['outcome'],
    });
    this.logins = {
      succeeded: logins.cell({ outcome: 'succeeded' }),
      invalid_credentials: logins.cell({ outcome: 'invalid_credentials' }),
      throttled: logins.cell({ outcome: 'throttled' }),
    };
    const lockouts = metrics.cellCounter({
      name: 'tessera_auth_lockouts_total',
      help: 'Sign-in counters locked by a failed password check, by scope (account, address, device).',
      labelNames: ['scope'],
    });
    this.lockouts = {
      account: lockouts.cell({ scope: 'account' }),
      address: lockouts.cell({ scope: 'address' }),
      device: lockouts.cell({ scope: 'device' }),
    };
    this.reuses = metrics
      .cellCounter({
        name: 'tessera_auth_refresh_reuse_detections_total',
        help: 'Rotated refresh tokens presented again: each revoked its whole session family.',
      })
      .cell({});
  }

  login(outcome: LoginOutcome): void {
    this.logins[outcome].value++;
  }

  lockout(scope: LockoutScope): void {
    this.lockouts[scope].value++;
  }

  refreshReuse(): void {
    this.reuses.value++;
  }
}
