import { NatsConnectionService, ReadinessService } from '@tessera/platform';

import type { ResolvedAuthOptions } from './auth.options';

/**
 * The NATS connection AuthModule mirrors keys and revocations from: its own when `natsUrl` is
 * set (a service without PlatformModule), else PlatformModule's, else none (JWKS only, and
 * revocation explicitly off).
 */
export const AUTH_NATS = Symbol('AUTH_NATS');

/** Where AuthModule reports its readiness: PlatformModule's checks, or its own. */
export const AUTH_READINESS = Symbol('AUTH_READINESS');

export function authReadiness(platform: ReadinessService | undefined): ReadinessService {
  return platform ?? new ReadinessService();
}

/** Chooses (and for `natsUrl`, opens) the connection, or refuses a configuration that would be unsafe. */
export async function authNats(
  options: ResolvedAuthOptions,
  readiness: ReadinessService,
  platform: NatsConnectionService | undefined,
): Promise<NatsConnectionService | undefined> {
  if (options.natsUrl !== undefined) {
    const own = new NatsConnectionService(
      {
        servers: options.natsUrl,
        credentials: options.natsCredentials,
        name: `${options.audience}-auth`,
        namespace: options.natsNamespace,
      },
      readiness,
    );
    // Closed at shutdown by its own onApplicationShutdown, like PlatformModule's.
    await own.connect();
    return own;
  }
  if (platform) {
    return platform;
  }
  if (options.sharedSecret === undefined && options.jwksUrl === undefined) {
    throw new Error('AuthModule has no source of public keys: set natsUrl (the key bucket) or jwksUrl (the JWKS)');
  }
  if (options.revocation !== 'off') {
    throw new Error(
      "AuthModule without NATS cannot hear revocations: set natsUrl, or revocation: 'off' to accept every " +
        'token until it expires (a revoked token then keeps working for up to its whole lifetime)',
    );
  }
  return undefined;
}
