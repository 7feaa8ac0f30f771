/**
 * Every token lifetime of Tessera, its bounds, and the rules between them, in one place: auth
 * issues with these numbers, libs/auth verifies with them, and `checkLifetimes` refuses at start
 * a configuration that breaks a rule (lifetimes.spec.ts asserts the rules hold for the values
 * below). All values are seconds.
 *
 * The rules, and why each one matters:
 * - access and service token lifetimes ≤ the longest lifetime a verifier accepts, or every
 *   service refuses the tokens auth issues;
 * - that maximum, plus the clock tolerance, ≤ the revocation entry TTL, or a revocation could
 *   expire from the bucket while the token it revokes is still accepted;
 * - a retired signing key stays published at least as long as any token it signed is accepted
 *   (its lifetime plus the clock tolerance), or those tokens fail before they expire;
 * - a service renews its token before verifiers stop accepting it;
 * - a refresh session outlives an access token and ends no later than its absolute lifetime.
 */

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A configurable lifetime: its default and the range a configuration may choose from. */
export interface LifetimeBounds {
  readonly default: number;
  readonly min: number;
  readonly max: number;
}

/**
 * Access tokens (auth's ACCESS_TOKEN_TTL_SECONDS): 15 minutes by default, 60 s to an hour in
 * production. Outside production down to 10 s, so that a test can watch a token expire (the web
 * console's browser tests) without waiting a minute.
 */
export const ACCESS_TOKEN_TTL: LifetimeBounds & { readonly minProduction: number } = {
  default: 15 * MINUTE,
  min: 10,
  minProduction: MINUTE,
  max: HOUR,
};

/** Service tokens (client_credentials) live 5 minutes: a service asks again, cheaply. */
export const SERVICE_TOKEN_TTL_SECONDS = 5 * MINUTE;

/**
 * An exchanged token (RFC 8693, a service acting for a user) lives at most 5 minutes, and never
 * past the user's token it was exchanged for: a narrow, short delegation. Never longer than a
 * service token, so key retention (which covers service tokens) covers it too.
 */
export const EXCHANGED_TOKEN_MAX_TTL_SECONDS = 5 * MINUTE;

/**
 * A service renews its token at 80 % of its lifetime, or this long before it expires when that
 * is earlier (long-lived tokens), so a request never leaves with a token about to expire.
 */
export const SERVICE_TOKEN_RENEWAL = { fraction: 0.8, marginSeconds: MINUTE } as const;

/** Seconds after it was obtained at which a token of `lifetimeSeconds` is renewed. */
export function serviceTokenRenewAfterSeconds(lifetimeSeconds: number): number {
  return Math.max(
    lifetimeSeconds * SERVICE_TOKEN_RENEWAL.fraction,
    lifetimeSeconds - SERVICE_TOKEN_RENEWAL.marginSeconds,
  );
}

/** The longest `exp - iat` a verifier accepts (libs/auth `maxTokenLifetimeSeconds`), by default. */
export const MAX_ACCEPTED_TOKEN_LIFETIME_SECONDS = HOUR;

/** Clock skew a verifier tolerates on `exp`, `nbf` and `iat` (libs/auth `clockToleranceSeconds`), by default. */
export const CLOCK_TOLERANCE_SECONDS = 5;

/** How long an entry of the revocations bucket lives (the bucket's TTL). */
export const REVOCATION_TTL_SECONDS = 2 * HOUR;

/**
 * How long a verifier goes on from its last known revocations while NATS is away before failing
 * closed with 503 (AUTH_REVOCATION_MAX_STALENESS_SECONDS).
 */
export const REVOCATION_MAX_STALENESS: LifetimeBounds = { default: MINUTE, min: 1, max: HOUR };

/** Beyond the longest token a retired key signed: clock skew and requests still in flight. */
export const KEY_RETENTION_MARGIN_SECONDS = MINUTE;

/** How long a retired signing key stays published, for auth issuing access tokens of `accessTokenSeconds`. */
export function keyRetentionSeconds(accessTokenSeconds: number): number {
  return Math.max(accessTokenSeconds, SERVICE_TOKEN_TTL_SECONDS) + KEY_RETENTION_MARGIN_SECONDS;
}

/** A refresh token unused this long expires (REFRESH_IDLE_SECONDS); each rotation restarts it. */
export const REFRESH_IDLE: LifetimeBounds = { default: 7 * DAY, min: 5 * MINUTE, max: 90 * DAY };

/** A login's refresh family ends this long after login, however often it rotates (REFRESH_ABSOLUTE_SECONDS). */
export const REFRESH_ABSOLUTE: LifetimeBounds = { default: 30 * DAY, min: HOUR, max: 365 * DAY };

/** A rotated refresh token presented again this soon is a lost race, not theft (REFRESH_REUSE_GRACE_SECONDS). */
export const REFRESH_REUSE_GRACE: LifetimeBounds = { default: 10, min: 0, max: MINUTE };

/**
 * The lifetimes one process has chosen. auth gives the ones it configures, a verifying service
 * its own maximum and tolerance; a rule is checked when the values it ties together are known
 * (a value left out that has a fixed default, such as the verifier's maximum, takes it).
 */
export interface LifetimeSettings {
  production?: boolean;
  /** ACCESS_TOKEN_TTL_SECONDS */
  accessTokenSeconds?: number;
  /** REFRESH_IDLE_SECONDS */
  refreshIdleSeconds?: number;
  /** REFRESH_ABSOLUTE_SECONDS */
  refreshAbsoluteSeconds?: number;
  /** How long a retired key stays published (auth; see keyRetentionSeconds). */
  keyRetentionSeconds?: number;
  /** maxTokenLifetimeSeconds of libs/auth; default MAX_ACCEPTED_TOKEN_LIFETIME_SECONDS. */
  maxAcceptedSeconds?: number;
  /** clockToleranceSeconds of libs/auth; default CLOCK_TOLERANCE_SECONDS. */
  clockToleranceSeconds?: number;
}

/**
 * The rules of this file that `settings` breaks, one message each naming the variables or
 * options involved; empty when all hold. Pure: callers turn the list into a refused start.
 */
export function checkLifetimes(settings: LifetimeSettings): string[] {
  const problems: string[] = [];
  const maxAccepted = settings.maxAcceptedSeconds ?? MAX_ACCEPTED_TOKEN_LIFETIME_SECONDS;
  const tolerance = settings.clockToleranceSeconds ?? CLOCK_TOLERANCE_SECONDS;
  const access = settings.accessTokenSeconds;

  if (access !== undefined) {
    if (access < ACCESS_TOKEN_TTL.min || access > ACCESS_TOKEN_TTL.max) {
      problems.push(`ACCESS_TOKEN_TTL_SECONDS must be ${ACCESS_TOKEN_TTL.min} to ${ACCESS_TOKEN_TTL.max}`);
    }
    if (settings.production && access < ACCESS_TOKEN_TTL.minProduction) {
      problems.push(
        `ACCESS_TOKEN_TTL_SECONDS must be at least ${ACCESS_TOKEN_TTL.minProduction} in production (shorter lifetimes are for tests)`,
      );
    }
    if (access > maxAccepted) {
      problems.push(
        `ACCESS_TOKEN_TTL_SECONDS (${access}) must not exceed maxTokenLifetimeSeconds (${maxAccepted}), the longest lifetime a verifier accepts`,
      );
    }
  }
  if (SERVICE_TOKEN_TTL_SECONDS > maxAccepted) {
    problems.push(
      `maxTokenLifetimeSeconds (${maxAccepted}) must be at least SERVICE_TOKEN_TTL_SECONDS (${SERVICE_TOKEN_TTL_SECONDS}), or service tokens are refused`,
    );
  }
  if (maxAccepted + tolerance > REVOCATION_TTL_SECONDS) {
    problems.push(
      `maxTokenLifetimeSeconds + clockToleranceSeconds (${maxAccepted} + ${tolerance}) must not exceed REVOCATION_TTL_SECONDS (${REVOCATION_TTL_SECONDS}), or a revocation expires while its token is still accepted`,
    );
  }
  if (settings.keyRetentionSeconds !== undefined) {
    const longest = Math.max(access ?? ACCESS_TOKEN_TTL.max, SERVICE_TOKEN_TTL_SECONDS) + tolerance;
    if (settings.keyRetentionSeconds < longest) {
      problems.push(
        `key retention (${settings.keyRetentionSeconds}) must be at least the longest token lifetime plus clockToleranceSeconds (${longest}), or tokens of a retired key fail before they expire`,
      );
    }
  }
  const { refreshIdleSeconds: idle, refreshAbsoluteSeconds: absolute } = settings;
  if (idle !== undefined && absolute !== undefined && idle > absolute) {
    problems.push('REFRESH_IDLE_SECONDS must not exceed REFRESH_ABSOLUTE_SECONDS');
  }
  // A client refreshes when its access token expires; an idle window shorter than that would
  // log out every client that only refreshes on demand.
  if (idle !== undefined && access !== undefined && idle <= access) {
    problems.push('REFRESH_IDLE_SECONDS must be longer than ACCESS_TOKEN_TTL_SECONDS');
  }
  return problems;
}
