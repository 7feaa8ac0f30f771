import { IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { loadConfig, ServiceConfig } from '@tessera/platform';

const DAY = 24 * 60 * 60;

/** The audience auth itself verifies (`GET /auth/me` and later bearer routes). */
export const AUTH_AUDIENCE = 'auth';

/**
 * Settings of the auth app (the issuer). Validated once at boot; nothing else reads the
 * environment. Fields carry explicit types: string-to-number conversion reads their metadata.
 */
export class AuthConfig extends ServiceConfig {
  override PORT: number = 3001;

  /** PostgreSQL URL; unset, the embedded PGlite under AUTH_DATA_DIR is used. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'AUTH_DATABASE_URL must be a postgres:// URL' })
  AUTH_DATABASE_URL?: string;

  /** PGlite data directory (or `memory://`), also home of the development key-encryption key. */
  @IsString()
  @MinLength(1)
  AUTH_DATA_DIR: string = '.data/auth';

  /** The `iss` of every token; verifiers compare it exactly. */
  @Matches(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, {
    message: 'AUTH_ISSUER must be an http(s) URL without query or fragment',
  })
  AUTH_ISSUER: string = 'http://localhost:3001';

  /** AES-256-GCM key protecting the private signing keys at rest. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=?$/, {
    message: 'AUTH_KEY_ENCRYPTION_KEY must be the base64 encoding of exactly 32 random bytes (openssl rand -base64 32)',
  })
  AUTH_KEY_ENCRYPTION_KEY?: string;

  @IsInt()
  @Min(60)
  @Max(3600)
  ACCESS_TOKEN_TTL_SECONDS: number = 900;

  /** Comma-separated service names written into `aud`. */
  @Matches(/^[a-z0-9_-]+(,[a-z0-9_-]+)*$/, {
    message: 'ACCESS_TOKEN_AUDIENCE must be comma-separated service names such as "auth,orders,profile"',
  })
  ACCESS_TOKEN_AUDIENCE: string = 'auth,orders,profile';

  /** A refresh token unused this long expires (RFC 9700 §4.14.2); each rotation restarts it. Default 7 days. */
  @IsInt()
  @Min(300)
  @Max(90 * DAY)
  REFRESH_IDLE_SECONDS: number = 7 * DAY;

  /** A login's refresh family ends this long after login, however often it rotates. Default 30 days. */
  @IsInt()
  @Min(3600)
  @Max(365 * DAY)
  REFRESH_ABSOLUTE_SECONDS: number = 30 * DAY;

  /**
   * A rotated refresh token presented again within this many seconds is a lost race (two tabs,
   * a retried request) and only fails; later it is treated as theft and ends the family.
   */
  @IsInt()
  @Min(0)
  @Max(60)
  REFRESH_REUSE_GRACE_SECONDS: number = 10;

  get accessTokenAudience(): string[] {
    return [...new Set(this.ACCESS_TOKEN_AUDIENCE.split(','))];
  }
}

/** Rules spanning several settings; run only once every field is valid on its own. */
function crossChecks(config: AuthConfig): string[] {
  const problems: string[] = [];
  if (!config.accessTokenAudience.includes(AUTH_AUDIENCE)) {
    problems.push(`ACCESS_TOKEN_AUDIENCE must include "${AUTH_AUDIENCE}", or auth would refuse its own tokens`);
  }
  if (config.REFRESH_IDLE_SECONDS > config.REFRESH_ABSOLUTE_SECONDS) {
    problems.push('REFRESH_IDLE_SECONDS must not exceed REFRESH_ABSOLUTE_SECONDS');
  }
  // A client refreshes when its access token expires; an idle window shorter than that would
  // log out every client that only refreshes on demand.
  if (config.REFRESH_IDLE_SECONDS <= config.ACCESS_TOKEN_TTL_SECONDS) {
    problems.push('REFRESH_IDLE_SECONDS must be longer than ACCESS_TOKEN_TTL_SECONDS');
  }
  // Production never runs on development defaults (design, "Running it").
  if (config.production) {
    if (!config.AUTH_DATABASE_URL) {
      problems.push('AUTH_DATABASE_URL is required in production (embedded PGlite is for development)');
    }
    if (!config.AUTH_KEY_ENCRYPTION_KEY) {
      problems.push('AUTH_KEY_ENCRYPTION_KEY is required in production (the generated key is for development)');
    }
  }
  return problems;
}

export function loadAuthConfig(env: Record<string, string | undefined> = process.env): AuthConfig {
  return loadConfig(AuthConfig, env, crossChecks);
}
