import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, PeriodicTask } from '@tessera/platform';

import type { AuthDatabase } from '../database/auth-database';
import { pruneOidcPayloads } from './oidc-adapter';

/**
 * Deletes the provider's expired state (sessions, interactions, grants, codes) hourly; the
 * provider never reads an expired row, this only keeps the table to live ones. Safe on every
 * replica at once: the DELETE is idempotent.
 */
@Injectable()
export class OidcPayloadsPruner extends PeriodicTask {
  constructor(@Inject(DATABASE) private readonly db: AuthDatabase) {
    super({ context: 'OpenIdProvider', what: 'pruning expired provider state', everyMs: 60 * 60 * 1000 });
  }

  protected async run(): Promise<void> {
    const deleted = await pruneOidcPayloads(this.db);
    if (deleted > 0) {
      this.logger.log({ msg: 'expired provider state pruned', count: deleted });
    }
  }
}
