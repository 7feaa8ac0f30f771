import { Logger } from '@nestjs/common';

import type { KeyRefresher, KeyStore } from './key-store';
import { parsePublicJwk } from './public-jwk';

const MAX_JWKS_BYTES = 64 * 1024;

/** The HTTP fallback: reads the issuer's `/.well-known/jwks.json` into the key store. */
export class JwksHttpSource implements KeyRefresher {
  private readonly logger = new Logger('JwksHttp');

  constructor(
    private readonly url: string,
    private readonly store: KeyStore,
  ) {}

  async refresh(): Promise<void> {
    try {
      const response = await fetch(this.url, {
        signal: AbortSignal.timeout(3000),
        headers: { accept: 'application/json' },
        redirect: 'error',
      });
      if (!response.ok) {
        this.logger.warn(`JWKS fetch answered ${response.status}`);
        return;
      }
      const text = await response.text();
      if (text.length > MAX_JWKS_BYTES) {
        this.logger.warn('JWKS document too large; ignored');
        return;
      }
      const body = JSON.parse(text) as { keys?: unknown };
      if (!Array.isArray(body.keys)) {
        this.logger.warn('JWKS document has no keys array; ignored');
        return;
      }
      for (const jwk of body.keys) {
        try {
          this.store.put(parsePublicJwk(jwk));
        } catch (e) {
          this.logger.warn(`JWKS key skipped: ${(e as Error).message}`);
        }
      }
    } catch (e) {
      this.logger.warn(`JWKS fetch failed: ${(e as Error).message}`);
    }
  }
}
