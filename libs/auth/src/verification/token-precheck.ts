import { InvalidTokenError } from '../auth.errors';

/** Longest token we look at; anything longer is refused before any parsing. */
export const MAX_TOKEN_LENGTH = 8192;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const KID = /^[A-Za-z0-9_-]{1,128}$/;
/** Header parameters that would let the token choose its own key (RFC 8725 §3.10) or demand unknown processing. */
const FORBIDDEN_HEADERS = ['crit', 'jku', 'x5u', 'jwk', 'x5c', 'x5t', 'x5t#S256'] as const;

export interface PrecheckedToken {
  readonly kid: string;
  readonly alg: unknown;
}

/**
 * Header segments that passed, with their result. An issuer signs every token with one of a
 * handful of headers (alg, kid, typ), so decoding and checking it again is wasted work on every
 * new token. The result depends on the segment's bytes alone; only passes are kept,
 * and the map is bounded, so headers made up by a caller cannot grow it.
 */
const passedHeaders = new Map<string, PrecheckedToken>();
const MAX_PASSED_HEADERS = 32;
const MAX_REMEMBERED_HEADER_LENGTH = 512;

/**
 * The first check of every token: reject cheaply before any crypto. Every failure is the same 401
 * to the caller; `reason` only reaches tests and metrics.
 */
export function precheckToken(token: string): PrecheckedToken {
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new InvalidTokenError(undefined, 'too_long');
  }
  if (!COMPACT_JWS.test(token)) {
    throw new InvalidTokenError(undefined, 'malformed');
  }
  const segment = token.slice(0, token.indexOf('.'));
  const passed = passedHeaders.get(segment);
  if (passed) {
    return passed;
  }
  const checked = checkHeader(segment);
  if (segment.length <= MAX_REMEMBERED_HEADER_LENGTH) {
    if (passedHeaders.size >= MAX_PASSED_HEADERS) {
      passedHeaders.clear();
    }
    passedHeaders.set(segment, checked);
  }
  return checked;
}

function checkHeader(segment: string): PrecheckedToken {
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidTokenError(undefined, 'malformed_header');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new InvalidTokenError(undefined, 'malformed_header');
  }
  const h = header as Record<string, unknown>;
  if (h.typ !== 'at+jwt') {
    throw new InvalidTokenError(undefined, 'wrong_typ');
  }
  for (const name of FORBIDDEN_HEADERS) {
    if (name in h) {
      throw new InvalidTokenError(undefined, `forbidden_header_${name}`);
    }
  }
  if (typeof h.kid !== 'string' || !KID.test(h.kid)) {
    throw new InvalidTokenError(undefined, 'bad_kid');
  }
  return Object.freeze({ kid: h.kid, alg: h.alg });
}
