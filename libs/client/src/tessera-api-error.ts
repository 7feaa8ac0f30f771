/**
 * A non-2xx answer of a Tessera API, from an RFC 9457 problem body (`code`, `detail`) or, on
 * `/oauth/*`, an RFC 6749 §5.2 error body (`error`, `error_description`).
 */
export class TesseraApiError extends Error {
  override readonly name = 'TesseraApiError';

  constructor(
    readonly status: number,
    /** The machine-readable code: `validation_failed`, `invalid_grant`, `signed_out`, … */
    readonly code: string,
    readonly detail?: string,
    readonly extra: {
      title?: string;
      /** Validation messages of a 400 `validation_failed`. */
      errors?: string[];
      /** Seconds to wait, from `Retry-After` (429, 503). */
      retryAfter?: number;
      /** The `error` parameter of `WWW-Authenticate` (RFC 6750 §3.1). */
      authError?: string;
      cause?: unknown;
    } = {},
  ) {
    super(detail ? `${status} ${code}: ${detail}` : `${status} ${code}`, { cause: extra.cause });
  }

  get retryAfter(): number | undefined {
    return this.extra.retryAfter;
  }

  get errors(): string[] | undefined {
    return this.extra.errors;
  }

  get authError(): string | undefined {
    return this.extra.authError;
  }

  /** Refreshing failed and the client dropped its tokens: the user must sign in again. */
  get signedOut(): boolean {
    return this.code === SIGNED_OUT;
  }

  static async fromResponse(res: Response, now: () => number): Promise<TesseraApiError> {
    const text = await res.text().catch(() => '');
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null) {
        body = parsed as Record<string, unknown>;
      }
    } catch {
      // A proxy's HTML page or an empty body: the status alone speaks.
    }
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const code = str(body.code) ?? str(body.error) ?? `http_${res.status}`;
    const detail = str(body.detail) ?? str(body.error_description);
    const errors = Array.isArray(body.errors)
      ? body.errors.filter((e): e is string => typeof e === 'string')
      : undefined;
    return new TesseraApiError(res.status, code, detail, {
      title: str(body.title),
      errors,
      retryAfter: parseRetryAfter(res.headers.get('retry-after'), now()),
      authError: parseAuthError(res.headers.get('www-authenticate')),
    });
  }
}

export const SIGNED_OUT = 'signed_out';

/** RFC 9110 §10.2.3: delay-seconds or an HTTP-date. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) {
    return undefined;
  }
  if (/^\d+$/.test(value.trim())) {
    return Number(value.trim());
  }
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

export function parseAuthError(value: string | null): string | undefined {
  return value ? /\berror="([^"]*)"/.exec(value)?.[1] : undefined;
}
