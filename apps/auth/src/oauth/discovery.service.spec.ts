import type { AuthConfig } from '../config/auth.config';
import type { KeyService } from '../keys/key.service';
import { DiscoveryService } from './discovery.service';
import type { ServiceClientsService } from './service-clients.service';

function discovery(options: { issuer: string; algs?: string[]; sharedSecret?: boolean; scopes?: string[] }) {
  const keys = {
    sharedSecretMode: options.sharedSecret ?? false,
    jwks: () => ({ keys: (options.algs ?? ['RS256']).map((alg, i) => ({ kid: `k${i}`, alg })) }),
    signingKey: () => ({ kid: 'k0', alg: options.algs?.at(-1) ?? 'RS256' }),
  } as unknown as KeyService;
  const clients = { allScopes: () => options.scopes ?? [] } as unknown as ServiceClientsService;
  return new DiscoveryService({ AUTH_ISSUER: options.issuer } as AuthConfig, keys, clients).document();
}

describe('DiscoveryService', () => {
  it('describes the issuer’s endpoints, grants and client authentication (RFC 8414 §2, OpenID Discovery §3)', () => {
    expect(discovery({ issuer: 'https://auth.example.com', scopes: ['profile:read', 'orders:read'] })).toEqual({
      issuer: 'https://auth.example.com',
      jwks_uri: 'https://auth.example.com/.well-known/jwks.json',
      authorization_endpoint: 'https://auth.example.com/oauth/authorize',
      token_endpoint: 'https://auth.example.com/oauth/token',
      userinfo_endpoint: 'https://auth.example.com/oauth/userinfo',
      end_session_endpoint: 'https://auth.example.com/oauth/logout',
      revocation_endpoint: 'https://auth.example.com/oauth/revoke',
      introspection_endpoint: 'https://auth.example.com/oauth/introspect',
      response_types_supported: ['code'],
      response_modes_supported: ['query', 'form_post'],
      grant_types_supported: [
        'authorization_code',
        'client_credentials',
        'refresh_token',
        'urn:ietf:params:oauth:grant-type:token-exchange',
      ],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      access_token_signing_alg_values_supported: ['RS256'],
      id_token_signing_alg_values_supported: ['RS256'],
      id_token_encryption_alg_values_supported: ['RSA-OAEP-256', 'ECDH-ES'],
      id_token_encryption_enc_values_supported: ['A256GCM'],
      subject_types_supported: ['public'],
      acr_values_supported: ['urn:tessera:acr:pwd', 'urn:tessera:acr:mfa'],
      claims_supported: expect.arrayContaining(['sub', 'nonce', 'at_hash', 'sid', 'amr', 'acr', 'auth_time']),
      prompt_values_supported: ['none', 'login', 'consent'],
      authorization_response_iss_parameter_supported: true,
      claims_parameter_supported: false,
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
      scopes_supported: [
        'openid',
        'profile',
        'email',
        'offline_access',
        'orders:read',
        'orders:write',
        'profile:read',
        'profile:write',
      ],
    });
  });

  it('keeps the issuer exactly as configured (it must equal `iss`) but builds no double slash', () => {
    const doc = discovery({ issuer: 'https://example.com/auth/' });
    expect(doc.issuer).toBe('https://example.com/auth/');
    expect(doc.jwks_uri).toBe('https://example.com/auth/.well-known/jwks.json');
    expect(doc.token_endpoint).toBe('https://example.com/auth/oauth/token');
    expect(doc.revocation_endpoint).toBe('https://example.com/auth/oauth/revoke');
  });

  it('lists each algorithm of the published keys once, as during a rotation from RS256 to ES256', () => {
    expect(
      discovery({ issuer: 'https://a.test', algs: ['RS256', 'ES256', 'RS256'] })
        .access_token_signing_alg_values_supported,
    ).toEqual(['RS256', 'ES256']);
  });

  it('says HS256 alone in shared-secret mode, where no key is published', () => {
    expect(
      discovery({ issuer: 'https://a.test', algs: [], sharedSecret: true }).access_token_signing_alg_values_supported,
    ).toEqual(['HS256']);
  });

  it('offers no OpenID Provider in shared-secret mode, where no key is published to verify an ID token', () => {
    const doc = discovery({ issuer: 'https://a.test', algs: [], sharedSecret: true }) as unknown as Record<
      string,
      unknown
    >;
    for (const field of ['userinfo_endpoint', 'id_token_signing_alg_values_supported', 'authorization_endpoint']) {
      expect(doc).not.toHaveProperty(field);
    }
    expect(doc.response_types_supported).toEqual([]);
  });

  it('signs ID tokens with the algorithm of the current key', () => {
    expect(
      discovery({ issuer: 'https://a.test', algs: ['RS256', 'ES256'] }).id_token_signing_alg_values_supported,
    ).toEqual(['ES256']);
  });
});
