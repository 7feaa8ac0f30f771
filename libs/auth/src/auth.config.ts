import { applyDecorators } from '@nestjs/common';
import { IsInt, IsOptional, IsString, IsUrl, Length, Matches, Max, Min } from 'class-validator';
import { REVOCATION_MAX_STALENESS } from '@tessera/contracts';
import { ServiceConfig } from '@tessera/platform';

import { ALLOWED_ACTORS_FORMAT, type AuthModuleOptions } from './auth.options';
import { MIN_SHARED_SECRET_BYTES } from './keys/shared-secret';

/**
 * The rule for AUTH_HS256_SECRET, in auth and in every verifying service alike: optional, and
 * when set at least 32 bytes (RFC 7518 §3.2), never echoed in the error.
 */
export function IsSharedSecret(): PropertyDecorator {
  return applyDecorators(
    IsOptional(),
    IsString(),
    Length(MIN_SHARED_SECRET_BYTES, 512, {
      message: `must be ${MIN_SHARED_SECRET_BYTES} to 512 characters (openssl rand -base64 48)`,
    }),
  );
}

/** Settings of a service that verifies tokens: who issues them and the JWKS fallback. */
export class VerifyingServiceConfig extends ServiceConfig {
  @IsUrl({ require_tld: false, require_protocol: true })
  AUTH_ISSUER = 'http://localhost:3001';

  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  AUTH_JWKS_URL?: string = 'http://127.0.0.1:3001/.well-known/jwks.json';

  /**
   * HS256 mode only (README.md, "Signing algorithms"): the secret shared with auth's
   * AUTH_HS256_SECRET, at least 32 bytes (openssl rand -base64 48). Set, it is the only key this
   * service accepts tokens from; the key bucket and AUTH_JWKS_URL are not used. Unset: RS256/ES256
   * keys only.
   */
  @IsSharedSecret()
  AUTH_HS256_SECRET?: string;

  /** How long to verify from the last known revocations while NATS is away; then 503 (fail closed). */
  @IsInt()
  @Min(REVOCATION_MAX_STALENESS.min)
  @Max(REVOCATION_MAX_STALENESS.max)
  AUTH_REVOCATION_MAX_STALENESS_SECONDS: number = REVOCATION_MAX_STALENESS.default;

  /** auth's OAuth token endpoint, where this service obtains its own token (client_credentials). */
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  AUTH_TOKEN_URL: string = 'http://127.0.0.1:3001/oauth/token';

  /** This service's client id at auth; defaults to the service name. */
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9_-]{0,63}$/, {
    message: 'SERVICE_CLIENT_ID must be a lower-case client id such as "orders"',
  })
  SERVICE_CLIENT_ID?: string;

  /**
   * The actors whose exchanged tokens (RFC 8693, `act.sub`) this service accepts,
   * comma-separated `client:<id>` entries such as `client:profile`, or `none` (the default
   * here): a token carrying `act` is refused with 401 invalid_token.
   */
  @Matches(ALLOWED_ACTORS_FORMAT, {
    message: 'AUTH_ALLOWED_ACTORS must be none or comma-separated "client:<id>" entries, e.g. "client:profile"',
  })
  AUTH_ALLOWED_ACTORS: string = 'none';

  /** This service's client secret at auth (auth's SERVICE_CLIENT_SECRET_<ID>). */
  @IsOptional()
  @IsString()
  @Length(32, 512, { message: 'SERVICE_CLIENT_SECRET must be 32 to 512 characters' })
  SERVICE_CLIENT_SECRET?: string;
}

export function authModuleOptions(audience: string, config: VerifyingServiceConfig): AuthModuleOptions {
  return {
    audience,
    issuer: config.AUTH_ISSUER,
    jwksUrl: config.AUTH_JWKS_URL,
    revocationMaxStalenessSeconds: config.AUTH_REVOCATION_MAX_STALENESS_SECONDS,
    allowedActors: config.AUTH_ALLOWED_ACTORS === 'none' ? [] : config.AUTH_ALLOWED_ACTORS.split(','),
    ...(config.AUTH_HS256_SECRET !== undefined ? { sharedSecret: config.AUTH_HS256_SECRET } : {}),
    ...(config.SERVICE_CLIENT_SECRET
      ? {
          serviceClient: {
            tokenUrl: config.AUTH_TOKEN_URL,
            clientId: config.SERVICE_CLIENT_ID ?? audience,
            clientSecret: config.SERVICE_CLIENT_SECRET,
          },
        }
      : {}),
  };
}
