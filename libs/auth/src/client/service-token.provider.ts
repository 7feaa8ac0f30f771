import { Logger } from '@nestjs/common';
import { serviceTokenRenewAfterSeconds } from '@tessera/contracts';
import { currentRequestId, REQUEST_ID_HEADER, TesseraError } from '@tessera/platform';

/** This service's own OAuth client at auth (RFC 6749 §4.4, client_credentials). */
export interface ServiceClientOptions {
  /** auth's token endpoint, e.g. http://127.0.0.1:3001/oauth/token */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Space-separated scopes to ask for; omitted, auth grants all the client may have. */
  scope?: string;
}

export class ServiceTokenUnavailableError extends TesseraError {
  constructor() {
    super('service_token_unavailable', 503, 'This service could not obtain its own access token; try again shortly.');
  }
}

const MAX_RESPONSE_BYTES = 16 * 1024;

/**
 * Obtains this service's access token with client_credentials, caches it and renews it before
 * it expires (SERVICE_TOKEN_RENEWAL: at 80 % of its lifetime, or a minute early for long ones). Concurrent callers
 * share one request; a failure is not cached.
 */
export class ServiceTokenProvider {
  private readonly logger = new Logger('ServiceToken');
  private cached?: { token: string; renewAt: number };
  private inflight?: Promise<string>;

  constructor(
    private readonly options: ServiceClientOptions,
    private readonly now: () => number = Date.now,
  ) {}

  async token(): Promise<string> {
    if (this.cached && this.now() < this.cached.renewAt) {
      return this.cached.token;
    }
    this.inflight ??= this.fetchToken().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async fetchToken(): Promise<string> {
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (this.options.scope) {
      body.set('scope', this.options.scope);
    }
    const started = this.now();
    const { token, expiresIn } = await requestToken(this.options, body, this.logger);
    this.cached = { token, renewAt: started + serviceTokenRenewAfterSeconds(expiresIn) * 1000 };
    return token;
  }
}

/**
 * One request to auth's token endpoint as this service's client (client_secret_basic), for any
 * grant: the token and its `expires_in`, or ServiceTokenUnavailableError with only the RFC 6749
 * error code logged (never a token or the secret).
 */
export async function requestToken(
  options: ServiceClientOptions,
  body: URLSearchParams,
  logger: Logger,
): Promise<{ token: string; expiresIn: number }> {
  // client_secret_basic: id and secret form-urlencoded, then base64 (RFC 6749 §2.3.1).
  const basic = Buffer.from(
    `${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`,
  ).toString('base64');
  let response: Response;
  try {
    response = await fetch(options.tokenUrl, {
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        // The request that needed the token, so auth's log line joins the others.
        ...requestIdHeader(),
      },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(3000),
    });
  } catch (e) {
    logger.warn(`token endpoint unreachable: ${(e as Error).message}`);
    throw new ServiceTokenUnavailableError();
  }
  const text = await response.text();
  if (!response.ok || text.length > MAX_RESPONSE_BYTES) {
    // The RFC 6749 error code is safe to log; the body never holds our secret.
    const code = /"error"\s*:\s*"([a-z_]{1,64})"/.exec(text)?.[1] ?? 'unknown';
    logger.warn(`token endpoint answered ${response.status} (${code})`);
    throw new ServiceTokenUnavailableError();
  }
  let parsed: { access_token?: unknown; expires_in?: unknown; token_type?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw new ServiceTokenUnavailableError();
  }
  const { access_token: token, expires_in: expiresIn, token_type: type } = parsed;
  if (
    typeof token !== 'string' ||
    typeof expiresIn !== 'number' ||
    expiresIn <= 0 ||
    String(type).toLowerCase() !== 'bearer'
  ) {
    logger.warn('token endpoint sent an unusable response');
    throw new ServiceTokenUnavailableError();
  }
  return { token, expiresIn };
}

function requestIdHeader(): Record<string, string> {
  const requestId = currentRequestId();
  return requestId === undefined ? {} : { [REQUEST_ID_HEADER]: requestId };
}
