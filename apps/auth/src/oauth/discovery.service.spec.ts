import type { AuthConfig } from '../config/auth.config';
import type { KeyService } from '../keys/key.service';
import { DiscoveryService } from './discovery.service';
import type { ServiceClientsService } from './service-clients.service';

function discovery(options: { issuer: string; algs?: string[]; sharedSecret?: boolean; scopes?: string[] }) {
  const keys = {
    sharedSecretMode: options.sharedSecret ?? false,
    jwks: () => ({ keys: (options.algs ?? ['RS256']).map((alg, i) => ({ kid: `k${i}`, alg })) }),
  } as unknown as KeyService;
  const clients = { allScopes: () => options.scopes ?? [] } as unknown as ServiceClientsService;
  return new DiscoveryService({ AUTH_ISSUER: options.issuer } as AuthConfig, keys, clients).document();
}

describe('DiscoveryService', () => {
  it('describes the issuer’s endpoints, grants and client authentication (RFC 8414 §2)', () => {
    expect(discovery({ issuer: 'https://auth.example.com', scopes: ['profile:read', 'orders:read'] })).toEqual({
      issuer: 'https://auth.example.com',
      jwks_uri: 'https://auth.example.com/.well-known/jwks.json',
      token_endpoint: 'https://auth.example.com/oauth/token',
      revocation_endpoint: 'https://auth.example.com/oauth/revoke',
      introspection_endpoint: 'https://auth.example.com/oauth/introspect',
      response_types_supported: [],
      grant_types_supported: ['client_credentials', 'refresh_token', 'urn:ietf:params:oauth:grant-type:token-exchange'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      access_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['profile:read', 'orders:read'],
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

  it('offers no ID-token or user-info endpoint: it is not an OpenID provider', () => {
    const doc = discovery({ issuer: 'https://a.test' }) as unknown as Record<string, unknown>;
    for (const field of ['userinfo_endpoint', 'id_token_signing_alg_values_supported', 'authorization_endpoint']) {
      expect(doc).not.toHaveProperty(field);
    }
  });
});
