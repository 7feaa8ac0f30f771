import {
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { IsSharedSecret } from '@tessera/auth';
import {
  ACCESS_TOKEN_TTL,
  checkLifetimes,
  keyRetentionSeconds,
  REFRESH_ABSOLUTE,
  REFRESH_IDLE,
  REFRESH_REUSE_GRACE,
  Scope,
} from '@tessera/contracts';
import { loadConfig, ServiceConfig } from '@tessera/platform';

import type { LoginThrottlePolicy } from './login-throttle';
import type { PasswordHashOptions } from './password-policy';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './password-policy';
import type { ServiceClientDeclaration } from './service-clients';
import {
  parseServiceClients,
  parseTokenExchangeClients,
  readServiceClientSecrets,
  SERVICE_CLIENTS_FORMAT,
  TOKEN_EXCHANGE_CLIENTS_FORMAT,
  tokenExchangeProblems,
} from './service-clients';

const DAY = 24 * 60 * 60;
/** KiB x iterations of OWASP's weakest recommended argon2id setting (m=7168, t=5). */
const MIN_PASSWORD_HASH_WORK = 7168 * 5;

/** `Name <local@domain>` or `local@domain`, on one line. */
const MAIL_FROM_FORMAT = /^(?:[^<>\r\n]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/;
/** The sender outside production when MAIL_FROM is unset. */
export const DEVELOPMENT_MAIL_FROM = 'Tessera <no-reply@localhost>';

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

  /**
   * The web console's public URL (e.g. https://console.example.com), without a trailing slash.
   * Set, the OpenID Provider knows the console as the public client `tessera-web`, signing in
   * at `<url>/callback` with the code flow and PKCE; unset, it has no such client. https, or
   * http to a loopback host; its origin must be in CORS_ORIGINS.
   */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*[^\s?#/])?$/, {
    message: 'must be an http(s) URL without query, fragment or trailing slash',
  })
  PUBLIC_WEB_URL?: string;

  /** AES-256-GCM key protecting the private signing keys at rest. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=?$/, {
    message: 'AUTH_KEY_ENCRYPTION_KEY must be the base64 encoding of exactly 32 random bytes (openssl rand -base64 32)',
  })
  AUTH_KEY_ENCRYPTION_KEY?: string;

  /**
   * How tokens are signed (README.md, "Signing algorithms"): RS256 (default) or ES256 with a key
   * pair from the key set, or HS256 with one shared secret for a single trusted group of services.
   * Changing RS256 <-> ES256 rotates to a new key at the next start.
   */
  @IsIn(['RS256', 'ES256', 'HS256'], { message: 'must be RS256, ES256 or HS256' })
  AUTH_SIGNING_ALG: 'RS256' | 'ES256' | 'HS256' = 'RS256';

  /** HS256 mode only: the secret every service of the group is given too (at least 32 bytes). */
  @IsSharedSecret()
  AUTH_HS256_SECRET?: string;

  /** Bounds, and the 10 to 59 s allowed outside production only: ACCESS_TOKEN_TTL in @tessera/contracts. */
  @IsInt()
  @Min(ACCESS_TOKEN_TTL.min)
  @Max(ACCESS_TOKEN_TTL.max)
  ACCESS_TOKEN_TTL_SECONDS: number = ACCESS_TOKEN_TTL.default;

  /** Comma-separated service names written into `aud`. */
  @Matches(/^[a-z0-9_-]+(,[a-z0-9_-]+)*$/, {
    message: 'ACCESS_TOKEN_AUDIENCE must be comma-separated service names such as "auth,orders,profile"',
  })
  ACCESS_TOKEN_AUDIENCE: string = 'auth,orders,profile';

  /** A refresh token unused this long expires (RFC 9700 §4.14.2); each rotation restarts it. Default 7 days. */
  @IsInt()
  @Min(REFRESH_IDLE.min)
  @Max(REFRESH_IDLE.max)
  REFRESH_IDLE_SECONDS: number = REFRESH_IDLE.default;

  /** A login's refresh family ends this long after login, however often it rotates. Default 30 days. */
  @IsInt()
  @Min(REFRESH_ABSOLUTE.min)
  @Max(REFRESH_ABSOLUTE.max)
  REFRESH_ABSOLUTE_SECONDS: number = REFRESH_ABSOLUTE.default;

  /**
   * A rotated refresh token presented again within this many seconds is a lost race (two tabs,
   * a retried request) and only fails; later it is treated as theft and ends the family.
   */
  @IsInt()
  @Min(REFRESH_REUSE_GRACE.min)
  @Max(REFRESH_REUSE_GRACE.max)
  REFRESH_REUSE_GRACE_SECONDS: number = REFRESH_REUSE_GRACE.default;

  /**
   * The first admin, made at start while no enabled admin exists (admin/first-admin.service.ts).
   * Both or neither; never used once an admin exists. Production requires them until then;
   * development without them creates admin@tessera.local with a generated password, printed once.
   */
  @IsOptional()
  @MaxLength(254)
  @IsEmail({}, { message: 'ADMIN_EMAIL must be an email address' })
  ADMIN_EMAIL?: string;

  /** The password policy of registration applies (ASVS 5.0 §6.2.1). */
  @IsOptional()
  @Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH, {
    message: `ADMIN_PASSWORD must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters long`,
  })
  ADMIN_PASSWORD?: string;

  /**
   * argon2id cost (OWASP Password Storage Cheat Sheet; default 19 MiB, 2 iterations, 1 lane).
   * A stored hash made with other values is rehashed at the user's next successful login.
   */
  @IsInt()
  @Min(7168)
  @Max(1024 * 1024)
  PASSWORD_HASH_MEMORY_KIB: number = 19456;

  @IsInt()
  @Min(1)
  @Max(10)
  PASSWORD_HASH_ITERATIONS: number = 2;

  @IsInt()
  @Min(1)
  @Max(16)
  PASSWORD_HASH_PARALLELISM: number = 1;

  /**
   * Sign-in throttling (README.md, "Sign-in limits"); counters live in the database so replicas
   * share them. An account is locked after LOGIN_ACCOUNT_MAX_FAILURES failures within
   * LOGIN_ACCOUNT_WINDOW_SECONDS, for LOGIN_LOCKOUT_BASE_SECONDS doubling with every further
   * failure, never longer than LOGIN_LOCKOUT_MAX_SECONDS at a time (OWASP Authentication Cheat
   * Sheet, "Account lockout"). A client address is refused for the rest of its window after
   * LOGIN_ADDRESS_MAX_FAILURES failures within LOGIN_ADDRESS_WINDOW_SECONDS.
   */
  @IsInt()
  @Min(1)
  @Max(100)
  LOGIN_ACCOUNT_MAX_FAILURES: number = 5;

  @IsInt()
  @Min(1)
  @Max(30 * DAY)
  LOGIN_ACCOUNT_WINDOW_SECONDS: number = DAY;

  @IsInt()
  @Min(1)
  @Max(3600)
  LOGIN_LOCKOUT_BASE_SECONDS: number = 1;

  @IsInt()
  @Min(1)
  @Max(DAY)
  LOGIN_LOCKOUT_MAX_SECONDS: number = 900;

  @IsInt()
  @Min(1)
  @Max(100_000)
  LOGIN_ADDRESS_MAX_FAILURES: number = 20;

  @IsInt()
  @Min(1)
  @Max(DAY)
  LOGIN_ADDRESS_WINDOW_SECONDS: number = 900;

  /**
   * Device cookies (OWASP "Slow Down Online Guessing Attacks with Device Cookies"; README.md,
   * "Sign-in limits"): a browser or client that signed in to an account holds a signed
   * `tessera_device` cookie for LOGIN_DEVICE_COOKIE_TTL_SECONDS, and its sign-ins to that account
   * are limited on a counter of their own, not with its address or the account's other clients.
   * After LOGIN_DEVICE_MAX_FAILURES failures within LOGIN_ACCOUNT_WINDOW_SECONDS the cookie is no
   * longer trusted, for the rest of its life.
   */
  @IsInt()
  @Min(1)
  @Max(100)
  LOGIN_DEVICE_MAX_FAILURES: number = 5;

  @IsInt()
  @Min(60)
  @Max(365 * DAY)
  LOGIN_DEVICE_COOKIE_TTL_SECONDS: number = 90 * DAY;

  /**
   * Confidential clients of the client_credentials grant (one per calling service), as
   * `<clientId>=<scope> <scope>...`, comma-separated. A scope is `<service>:<permission>`; the
   * service part is what the token's `aud` names. Each client's secret is read from
   * SERVICE_CLIENT_SECRET_<CLIENTID> (upper-cased, "-" as "_"): SERVICE_CLIENT_SECRET_ORDERS and
   * SERVICE_CLIENT_SECRET_PROFILE for the defaults; see service-clients.ts.
   */
  @Matches(SERVICE_CLIENTS_FORMAT, {
    message:
      'SERVICE_CLIENTS must be comma-separated "<clientId>=<scope> <scope>..." entries with lower-case ids and <service>:<permission> scopes, e.g. "orders=profile:read,profile=orders:read"',
  })
  SERVICE_CLIENTS: string = `orders=${Scope.ProfileRead},profile=${Scope.OrdersRead}`;

  /**
   * The service clients allowed the token-exchange grant (RFC 8693), as
   * `<clientId>=<scope> <scope>...`: the scopes an exchanged token may carry, whose service parts
   * are the audiences the client may ask for. Every client listed must be declared in
   * SERVICE_CLIENTS. `none`: nobody may exchange. Unset: `profile=orders:read` when SERVICE_CLIENTS
   * declares profile, else nobody, so a deployment without profile starts as before. See
   * service-clients.ts.
   */
  @IsOptional()
  @Matches(TOKEN_EXCHANGE_CLIENTS_FORMAT, {
    message:
      'TOKEN_EXCHANGE_CLIENTS must be none or comma-separated "<clientId>=<scope> <scope>..." entries with lower-case ids and <service>:<permission> scopes, e.g. "profile=orders:read"',
  })
  TOKEN_EXCHANGE_CLIENTS?: string;

  /**
   * Where mail leaves (mail/mail-sender.service.ts): smtp:// (STARTTLS when the server offers
   * it) or smtps:// (TLS from the start), with user:password@ when the server wants them.
   * Required in production; unset elsewhere, mail is queued but not sent.
   */
  @IsOptional()
  @Matches(/^smtps?:\/\/[^\s/?#]+(\/[^\s]*)?$/, {
    message: 'SMTP_URL must be an smtp:// or smtps:// URL, e.g. smtp://user:password@mail.example.com:587',
  })
  SMTP_URL?: string;

  /** The From of every mail: `Name <address>` or a bare address. Required in production. */
  @IsOptional()
  @MaxLength(320)
  @Matches(MAIL_FROM_FORMAT, {
    message: 'MAIL_FROM must be an address or "Name <address>", e.g. "Tessera <no-reply@example.com>"',
  })
  MAIL_FROM?: string;

  /**
   * Client id → secret of the declared clients that have one, set by loadAuthConfig from the
   * SERVICE_CLIENT_SECRET_* variables. Only ServiceClientsService reads it, to hash each one.
   */
  serviceClientSecrets: ReadonlyMap<string, string> = new Map();

  /**
   * Whether starting up rotates to AUTH_SIGNING_ALG when the active key has another algorithm.
   * The app does; the operator CLI does not, so a command never changes the key as a side effect.
   */
  rotateToConfiguredAlgorithmAtStart = true;

  /** MAIL_FROM, or the development sender outside production (production requires MAIL_FROM). */
  get mailFrom(): string {
    return this.MAIL_FROM ?? DEVELOPMENT_MAIL_FROM;
  }

  get passwordHashOptions(): PasswordHashOptions {
    return {
      memoryCost: this.PASSWORD_HASH_MEMORY_KIB,
      timeCost: this.PASSWORD_HASH_ITERATIONS,
      parallelism: this.PASSWORD_HASH_PARALLELISM,
    };
  }

  /** How long a retired signing key stays published: past the end of every token it signed. */
  get keyRetentionSeconds(): number {
    return keyRetentionSeconds(this.ACCESS_TOKEN_TTL_SECONDS);
  }

  get accessTokenAudience(): string[] {
    return [...new Set(this.ACCESS_TOKEN_AUDIENCE.split(','))];
  }

  get loginThrottle(): LoginThrottlePolicy {
    return {
      account: {
        maxFailures: this.LOGIN_ACCOUNT_MAX_FAILURES,
        windowSeconds: this.LOGIN_ACCOUNT_WINDOW_SECONDS,
        lockoutBaseSeconds: this.LOGIN_LOCKOUT_BASE_SECONDS,
        lockoutMaxSeconds: this.LOGIN_LOCKOUT_MAX_SECONDS,
      },
      address: { maxFailures: this.LOGIN_ADDRESS_MAX_FAILURES, windowSeconds: this.LOGIN_ADDRESS_WINDOW_SECONDS },
      device: { maxFailures: this.LOGIN_DEVICE_MAX_FAILURES, windowSeconds: this.LOGIN_ACCOUNT_WINDOW_SECONDS },
      deviceCookieSeconds: this.LOGIN_DEVICE_COOKIE_TTL_SECONDS,
    };
  }

  get serviceClients(): ServiceClientDeclaration[] {
    return parseServiceClients(this.SERVICE_CLIENTS);
  }

  get tokenExchangeClients(): ServiceClientDeclaration[] {
    if (this.TOKEN_EXCHANGE_CLIENTS !== undefined) {
      return parseTokenExchangeClients(this.TOKEN_EXCHANGE_CLIENTS);
    }
    const declared = new Set(this.serviceClients.map((c) => c.id));
    return parseTokenExchangeClients(DEFAULT_TOKEN_EXCHANGE_CLIENTS).filter((c) => declared.has(c.id));
  }
}

const DEFAULT_TOKEN_EXCHANGE_CLIENTS = `profile=${Scope.OrdersRead}`;

/** Rules spanning several settings; run only once every field is valid on its own. */
function crossChecks(config: AuthConfig): string[] {
  // The lifetimes against each other and against what verifiers accept (auth verifies its own
  // tokens with libs/auth's defaults, as the other services do).
  const problems = checkLifetimes({
    production: config.production,
    accessTokenSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    refreshIdleSeconds: config.REFRESH_IDLE_SECONDS,
    refreshAbsoluteSeconds: config.REFRESH_ABSOLUTE_SECONDS,
    keyRetentionSeconds: config.keyRetentionSeconds,
  });
  if (!config.accessTokenAudience.includes(AUTH_AUDIENCE)) {
    problems.push(`ACCESS_TOKEN_AUDIENCE must include "${AUTH_AUDIENCE}", or auth would refuse its own tokens`);
  }
  problems.push(...tokenExchangeProblems(config.tokenExchangeClients, config.serviceClients));
  problems.push(...publicWebUrlProblems(config));
  if (config.LOGIN_LOCKOUT_BASE_SECONDS > config.LOGIN_LOCKOUT_MAX_SECONDS) {
    problems.push('LOGIN_LOCKOUT_BASE_SECONDS must not exceed LOGIN_LOCKOUT_MAX_SECONDS');
  }
  if ((config.ADMIN_EMAIL === undefined) !== (config.ADMIN_PASSWORD === undefined)) {
    problems.push('ADMIN_EMAIL and ADMIN_PASSWORD must be set together, or neither');
  }
  // OWASP lists equally strong argon2id settings from 46 MiB x 1 down to 7 MiB x 5 iterations;
  // memory x iterations below the weakest of them is below its floor.
  if (config.PASSWORD_HASH_MEMORY_KIB * config.PASSWORD_HASH_ITERATIONS < MIN_PASSWORD_HASH_WORK) {
    problems.push(
      `PASSWORD_HASH_MEMORY_KIB x PASSWORD_HASH_ITERATIONS must be at least ${MIN_PASSWORD_HASH_WORK} (OWASP's weakest argon2id setting, 7 MiB x 5)`,
    );
  }
  // HS256 never mixes with key pairs: the secret exists exactly when the mode is chosen.
  if (config.AUTH_SIGNING_ALG === 'HS256' && config.AUTH_HS256_SECRET === undefined) {
    problems.push('AUTH_HS256_SECRET is required when AUTH_SIGNING_ALG is HS256');
  }
  if (config.AUTH_SIGNING_ALG !== 'HS256' && config.AUTH_HS256_SECRET !== undefined) {
    problems.push(
      `AUTH_HS256_SECRET is set but AUTH_SIGNING_ALG is ${config.AUTH_SIGNING_ALG}: set AUTH_SIGNING_ALG=HS256 or remove the secret`,
    );
  }
  // Production never runs on development defaults (docs/operations.md, "Required settings").
  if (config.production) {
    if (!config.AUTH_DATABASE_URL) {
      problems.push('AUTH_DATABASE_URL is required in production (embedded PGlite is for development)');
    }
    if (!config.AUTH_KEY_ENCRYPTION_KEY && config.AUTH_SIGNING_ALG !== 'HS256') {
      problems.push('AUTH_KEY_ENCRYPTION_KEY is required in production (the generated key is for development)');
    }
    if (!config.SMTP_URL) {
      problems.push('SMTP_URL is required in production (without it no mail leaves)');
    }
    if (!config.MAIL_FROM) {
      problems.push('MAIL_FROM is required in production (the From of every mail)');
    }
  }
  return problems;
}

/**
 * Hosts the console may be served from over plain http: the browser on the same machine, where
 * nothing in transit can rewrite it (as CORS_ORIGINS allows; docker compose serves the console
 * at http://localhost:3000 in production mode).
 */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The console's URL becomes its registered redirect URI, matched exactly, so it must be written
 * as a browser writes it back; and the console calls auth with credentials, which CORS allows
 * only to listed origins.
 */
function publicWebUrlProblems(config: AuthConfig): string[] {
  if (config.PUBLIC_WEB_URL === undefined) {
    return [];
  }
  const url = new URL(config.PUBLIC_WEB_URL);
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    return ['PUBLIC_WEB_URL must use https (plain http is allowed only for localhost, 127.0.0.1 or [::1])'];
  }
  if (url.username !== '' || url.password !== '' || url.href.replace(/\/$/, '') !== config.PUBLIC_WEB_URL) {
    return [
      'PUBLIC_WEB_URL must be written in canonical form (lower-case scheme and host, no default port, no user:password@)',
    ];
  }
  if (!config.corsOrigins.includes(url.origin)) {
    return ["PUBLIC_WEB_URL's origin must be listed in CORS_ORIGINS (the console calls auth with credentials)"];
  }
  return [];
}

export function loadAuthConfig(env: Record<string, string | undefined> = process.env): AuthConfig {
  let secrets = new Map<string, string>();
  const config = loadConfig(AuthConfig, env, (c, resolved) => {
    // Production: every declared client needs its secret (docs/operations.md, "Required settings").
    const read = readServiceClientSecrets(c.serviceClients, resolved, { required: c.production });
    secrets = read.secrets;
    return [...crossChecks(c), ...read.problems];
  });
  // After validation: the validator drops every property it has no rule for.
  config.serviceClientSecrets = secrets;
  config.rotateToConfiguredAlgorithmAtStart = true;
  return config;
}
