import { Injectable } from '@nestjs/common';
import type { CounterCell } from '@tessera/platform';
import { Metrics } from '@tessera/platform';

import { AuthConfig } from '../config/auth.config';

/**
 * `tessera_auth_exchanged_tokens_issued_total{client}`: tokens issued by the RFC 8693 exchange
 * grant, by the client that now acts for a user with them. One series per client that
 * TOKEN_EXCHANGE_CLIENTS allows, made at start so each reads 0 before its first exchange: an
 * operator sees which services act for users, and how often, without a label per user. A refused
 * exchange is not counted here; it is a 4xx of `/oauth/token` in the HTTP histogram.
 */
@Injectable()
export class TokenExchangeMetrics {
  private readonly issued: ReadonlyMap<string, CounterCell>;

  constructor(config: AuthConfig, metrics: Metrics) {
    const counter = metrics.cellCounter({
      name: 'tessera_auth_exchanged_tokens_issued_total',
      help: 'Access tokens issued by token exchange (RFC 8693), by the client acting for the user.',
      labelNames: ['client'],
    });
    this.issued = new Map(config.tokenExchangeClients.map((c) => [c.id, counter.cell({ client: c.id })]));
  }

  /** Counts one token issued to `clientId`, a client the exchange grant allows (no other is ever issued one). */
  issuedTo(clientId: string): void {
    const cell = this.issued.get(clientId);
    if (cell) {
      cell.value++;
    }
  }
}
