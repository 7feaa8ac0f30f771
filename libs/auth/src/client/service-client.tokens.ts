/** Injection token of this service's ServiceTokenProvider (absent when no client is configured). */
export const SERVICE_TOKEN_PROVIDER = Symbol('SERVICE_TOKEN_PROVIDER');
