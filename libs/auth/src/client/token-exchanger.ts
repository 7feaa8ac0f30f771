import { Logger } from '@nestjs/common';
import { ACCESS_TOKEN_TYPE, serviceTokenRenewAfterSeconds, TOKEN_EXCHANGE_GRANT } from '@tessera/contracts';
import { LRUCache } from 'lru-cache';

import type { Principal } from '../principal';
import { requestToken, type ServiceClientOptions } from './service-token.provider';

/** Users remembered at once; the least recently used is forgotten first (memory stays bounded). */
const CACHE_SIZE = 10_000;

/**
 * Obtains, with this service's own client credentials, a token exchanged (RFC 8693) for a
 * user's token: for one other service, narrowed, acted by this service. A user's token is never
 * sent to another service; this one is. Cached per user token (its `sub` and `jti`) until
 * shortly before it expires, in a bounded LRU; concurrent calls for the same key share one
 * request, and a failure is not cached.
 */
export class TokenExchanger {
  private readonly logger = new Logger('TokenExchange');
  private readonly cache = new LRUCache<string, { token: string; renewAt: number }>({ max: CACHE_SIZE });
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(
    private readonly options: ServiceClientOptions,
    private readonly now: () => number = Date.now,
  ) {}

  async token(user: Principal, audience: string, scope?: string): Promise<string> {
    // The jti identifies the user's token; a new sign-in, a refresh or a revocation of it gets a
    // new exchange. `sub` too, so two users can never share an entry.
    const key = `${user.sub} ${user.jti} ${audience} ${scope ?? ''}`;
    const cached = this.cache.get(key);
    if (cached && this.now() < cached.renewAt) {
      return cached.token;
    }
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.exchange(key, user, audience, scope).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private async exchange(key: string, user: Principal, audience: string, scope?: string): Promise<string> {
    const body = new URLSearchParams({
      grant_type: TOKEN_EXCHANGE_GRANT,
      subject_token: user.token,
      subject_token_type: ACCESS_TOKEN_TYPE,
      requested_token_type: ACCESS_TOKEN_TYPE,
      audience,
    });
    if (scope) {
      body.set('scope', scope);
    }
    const started = this.now();
    const { token, expiresIn } = await requestToken(this.options, body, this.logger);
    // Renewed like a service token (lifetimes.ts), so a call never leaves with one about to lapse.
    this.cache.set(key, { token, renewAt: started + serviceTokenRenewAfterSeconds(expiresIn) * 1000 });
    return token;
  }
}
