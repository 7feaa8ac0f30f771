import { KeyObject, randomUUID, sign } from 'node:crypto';

import type { CryptoKey, JWK, JWTPayload } from 'jose';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { Buckets, namespacedBucket, Role, scopesForRoles } from '@tessera/contracts';
import { NatsRpcClient, TesseraError } from '@tessera/platform';
import { type TestDatabaseTarget, testNamespace, testNatsUrl } from '@tessera/platform/testing';

import { type AuthModuleOptions, resolveAuthOptions } from './auth.options';
import { KeyStore } from './keys/key-store';
import { openKeysBucket } from './keys/keys-bucket';
import { parsePublicJwk } from './keys/public-jwk';
import { sharedSecretKey } from './keys/shared-secret';
import { RevocationStore } from './revocation/revocation.store';
import { TokenVerifier } from './verification/token-verifier';

/** A signing key for tests, with the public JWK a key set would publish. */
export interface TestSigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  publicJwk: JWK & { kid: string; alg: string; use: 'sig' };
}

export async function createTestSigningKey(alg: 'RS256' | 'ES256' = 'RS256'): Promise<TestSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, alg, privateKey, publicJwk: { ...jwk, kid, alg, use: 'sig' } };
}

export interface TestTokenOptions {
  issuer: string;
  audience: string | string[];
  sub?: string;
  roles?: string[];
  /** Default: the scopes the roles grant, as the issuer gives a user (scopesForRoles). */
  scope?: string;
  /** Seconds from now; negative for an expired token. Default 900. */
  expiresIn?: number;
  /** Overrides or additions to the header (`typ`, `kid`, `alg`, ...). */
  header?: Record<string, unknown>;
  /** Overrides or additions to the claims; `undefined` removes a claim. */
  claims?: Record<string, unknown>;
}

/** Signs an access token shaped exactly like the issuer's, then applies the test's changes. */
export async function signTestToken(key: TestSigningKey, options: TestTokenOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: JWTPayload = {
    iss: options.issuer,
    sub: options.sub ?? randomUUID(),
    aud: options.audience,
    iat: now,
    nbf: now,
    exp: now + (options.expiresIn ?? 900),
    jti: randomUUID(),
    roles: options.roles ?? [Role.User],
    scope: options.scope ?? scopesForRoles(options.roles ?? [Role.User]).join(' '),
  };
  for (const [name, value] of Object.entries(options.claims ?? {})) {
    if (value === undefined) {
      delete claims[name];
    } else {
      claims[name] = value;
    }
  }
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...options.header })
    .sign(key.privateKey);
}

/** An unsigned `alg: none` token, as an attacker would send it. */
export function unsignedToken(header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part(header)}.${part(claims)}.`;
}

/**
 * Publishes a test key's public JWK in the namespaced key bucket, as the issuer would, so a
 * service under test trusts it without an auth app running.
 */
export async function publishTestKey(natsUrl: string, namespace: string, key: TestSigningKey): Promise<void> {
  const { connect } = await import('@nats-io/transport-node');
  const nc = await connect({ servers: natsUrl });
  try {
    const kv = await openKeysBucket(nc, namespacedBucket(namespace, Buckets.Keys));
    await kv.put(key.kid, JSON.stringify(key.publicJwk));
  } finally {
    await nc.close();
  }
}

/**
 * A TokenVerifier as a service would build it, trusting exactly the given public JWKs (or, in
 * HS256 mode, `options.sharedSecret`), with
 * an in-memory revocation store the test can write to. No NATS needed.
 */
export function createTestVerifier(
  options: AuthModuleOptions,
  publicJwks: unknown[],
): { verifier: TokenVerifier; keys: KeyStore; revocations: RevocationStore } {
  const keys = new KeyStore();
  for (const jwk of publicJwks) {
    keys.put(parsePublicJwk(jwk));
  }
  if (options.sharedSecret !== undefined) {
    keys.put(sharedSecretKey(options.sharedSecret));
  }
  const revocations = new RevocationStore();
  return { verifier: new TokenVerifier(resolveAuthOptions(options), keys, revocations), keys, revocations };
}

/**
 * Signs exactly the header and payload given, byte for byte (`payload` may be a raw JSON
 * string, e.g. with duplicate claim names), with no check of what they contain: the way an
 * attacker holding a trusted key's signature oracle, or a buggy issuer, would produce tokens.
 */
export function signRawTestToken(
  key: TestSigningKey,
  header: Record<string, unknown>,
  payload: Record<string, unknown> | string,
): string {
  const part = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
  const input = `${part(header)}.${part(payload)}`;
  const signature = sign('sha256', Buffer.from(input), {
    key: KeyObject.from(key.privateKey),
    ...(key.alg === 'ES256' ? { dsaEncoding: 'ieee-p1363' as const } : {}),
  });
  return `${input}.${signature.toString('base64url')}`;
}

/** What a verifying service's end-to-end spec needs: the running app, a trusted key, a NATS client. */
export interface VerifyingServiceHarness {
  url: string;
  namespace: string;
  issuer: string;
  key: TestSigningKey;
  rpc: NatsRpcClient;
  /** A token from the trusted test key, for audiences orders and profile unless overridden. */
  token(sub: string, overrides?: Partial<TestTokenOptions>): Promise<string>;
  /** The NATS status a request ends with: 200, or the error reply's status (0 if not one). */
  rpcStatus(request: Promise<unknown>): Promise<number>;
  close(): Promise<void>;
}

/**
 * Boots a verifying service (orders, profile, yours) for an end-to-end spec: a fresh database
 * of the given target, its own NATS namespace on the real server, a test signing key published
 * there as auth would, and no auth running. `databaseEnv` names the app's own variables.
 */
export async function startVerifyingService(
  target: TestDatabaseTarget,
  start: (env: Record<string, string | undefined>) => Promise<{ getUrl(): Promise<string>; close(): Promise<void> }>,
  databaseEnv: (db: { url?: string; dataDir: string }) => Record<string, string | undefined>,
  options: { namespace?: string; natsUrl?: string; env?: Record<string, string> } = {},
): Promise<VerifyingServiceHarness> {
  const issuer = 'http://issuer.e2e';
  const namespace = options.namespace ?? testNamespace();
  const natsUrl = options.natsUrl ?? testNatsUrl();
  const key = await createTestSigningKey();
  await publishTestKey(natsUrl, namespace, key);
  const db = await target.create();
  const app = await start({
    NODE_ENV: 'test',
    PORT: '0',
    NATS_URL: natsUrl,
    NATS_NAMESPACE: namespace,
    AUTH_ISSUER: issuer,
    // Nothing listens there: keys must come through NATS KV.
    AUTH_JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json',
    ...databaseEnv(db),
    ...options.env,
  }).catch(async (e: unknown) => {
    await db.drop();
    throw e;
  });
  const rpc = new NatsRpcClient({ servers: natsUrl, name: 'e2e', namespace });
  return {
    url: await app.getUrl(),
    namespace,
    issuer,
    key,
    rpc,
    token: (sub, overrides = {}) => signTestToken(key, { issuer, audience: ['orders', 'profile'], sub, ...overrides }),
    rpcStatus: (request) =>
      request.then(
        () => 200,
        (e: unknown) => (e instanceof TesseraError ? e.status : 0),
      ),
    close: async () => {
      await rpc.onApplicationShutdown();
      await app.close();
      await db.drop();
    },
  };
}
