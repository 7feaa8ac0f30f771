import { Injectable } from '@nestjs/common';
import type { CounterCell } from '@tessera/platform';
import { Metrics } from '@tessera/platform';

import {
  InvalidAuthRequestError,
  InvalidTokenError,
  MissingTokenError,
  RevocationsUnavailableError,
} from '../auth.errors';
import { KeyStore } from '../keys/key-store';
import { RevocationStore } from '../revocation/revocation.store';

/** Which transport brought the token: an HTTP request or a NATS message. */
export type VerificationTransport = 'http' | 'nats';

type Labels = Partial<Record<'transport' | 'outcome' | 'reason', string>>;

/**
 * What local verification does, for /metrics:
 * - `tessera_auth_token_verifications_total{transport, outcome, reason}`: outcome `valid`;
 *   `invalid` with the InvalidTokenError reason (`expired`, `bad_signature`, `revoked`,
 *   `unknown_kid`, ...); `missing` (no token); `invalid_request` (two tokens); `unavailable`
 *   (revocation state too old, fail closed).
 * - `tessera_auth_key_set_age_seconds`: since the newest public key was published (or loaded).
 * - `tessera_auth_key_set_size`, `tessera_auth_revocation_set_size`: entries held in memory.
 * Counting is an addition on a cell made once per label set: the guard allocates nothing for it.
 */
@Injectable()
export class VerificationMetrics {
  private readonly counter;
  private readonly valid: Record<VerificationTransport, CounterCell>;
  private readonly refusals: Record<VerificationTransport, Map<string, Map<string, CounterCell>>> = {
    http: new Map(),
    nats: new Map(),
  };

  constructor(metrics: Metrics, keys: KeyStore, revocations: RevocationStore) {
    this.counter = metrics.cellCounter({
      name: 'tessera_auth_token_verifications_total',
      help: 'Access tokens checked by the guard, by transport, outcome (valid, invalid, missing, invalid_request, unavailable) and reason of an invalid one.',
      labelNames: ['transport', 'outcome', 'reason'],
    });
    this.valid = {
      http: this.counter.cell({ transport: 'http', outcome: 'valid' }),
      nats: this.counter.cell({ transport: 'nats', outcome: 'valid' }),
    };
    metrics.gauge({
      name: 'tessera_auth_key_set_age_seconds',
      help: 'Seconds since the newest public key of the key set was published (or loaded, from the JWKS fallback).',
      read: () => keys.newestKeyAgeSeconds(),
    });
    metrics.gauge({
      name: 'tessera_auth_key_set_size',
      help: 'Public keys in the local key set.',
      read: () => keys.size,
    });
    metrics.gauge({
      name: 'tessera_auth_revocation_set_size',
      help: 'Revocation entries (token ids and users) held in memory.',
      read: () => revocations.size,
    });
  }

  verified(transport: VerificationTransport): void {
    this.valid[transport].value++;
  }

  refused(transport: VerificationTransport, error: unknown): void {
    const [outcome, reason] = classify(error);
    let byReason = this.refusals[transport].get(outcome);
    if (!byReason) {
      byReason = new Map();
      this.refusals[transport].set(outcome, byReason);
    }
    let cell = byReason.get(reason);
    if (!cell) {
      const labels: Labels = { transport, outcome };
      if (reason !== '') {
        labels.reason = reason;
      }
      cell = this.counter.cell(labels);
      byReason.set(reason, cell);
    }
    cell.value++;
  }
}

function classify(error: unknown): [outcome: string, reason: string] {
  if (error instanceof InvalidTokenError) {
    return ['invalid', error.reason];
  }
  if (error instanceof MissingTokenError) {
    return ['missing', ''];
  }
  if (error instanceof InvalidAuthRequestError) {
    return ['invalid_request', ''];
  }
  if (error instanceof RevocationsUnavailableError) {
    return ['unavailable', ''];
  }
  return ['error', ''];
}
