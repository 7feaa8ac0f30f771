import { rolesForClient, scopesForGrant } from '../tokens/token-issuer.service';
import { providerMetadata } from './client-adapter';
import { escapeHtml, securityHeaders, signInPage } from './pages';

const registered = {
  client_id: '0123456789abcdef0123456789abcdef',
  client_id_issued_at: 1,
  client_name: 'App',
  redirect_uris: ['https://app.example/cb'],
  post_logout_redirect_uris: [],
  grant_types: ['authorization_code' as const],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic' as const,
  scope: 'openid email orders:read',
  first_party: false,
};

describe('the provider’s pieces', () => {
  it('never gives a third-party client the admin role', () => {
    expect(rolesForClient(['user', 'admin'], false)).toEqual(['user']);
    expect(rolesForClient(['user', 'admin'], true)).toEqual(['user', 'admin']);
  });

  it('narrows a relying party’s scopes to what it was granted and the roles allow, OpenID scopes first', () => {
    expect(scopesForGrant(['orders:read', 'openid', 'profile:write', 'email'], ['user'])).toEqual([
      'openid',
      'email',
      'orders:read',
      'profile:write',
    ]);
    // No role, no service scope: only the OpenID ones survive.
    expect(scopesForGrant(['openid', 'orders:read'], [])).toEqual(['openid']);
  });

  it('hands the provider OpenID scopes as scope and service scopes apart, and a secret that matches nothing', () => {
    const metadata = providerMetadata(registered);
    expect(metadata).toMatchObject({
      scope: 'openid email',
      tessera_api_scopes: 'orders:read',
      grant_types: ['authorization_code'],
      application_type: 'web',
      first_party: false,
    });
    expect(typeof metadata.client_secret).toBe('string');
    expect(providerMetadata({ ...registered, token_endpoint_auth_method: 'none' })).not.toHaveProperty('client_secret');
    // Loopback redirects stay web (matched exactly, port included); a private-use scheme is native.
    expect(
      providerMetadata({
        ...registered,
        token_endpoint_auth_method: 'none',
        redirect_uris: ['http://127.0.0.1:8080/cb'],
      }).application_type,
    ).toBe('web');
    expect(providerMetadata({ ...registered, redirect_uris: ['com.example.app:/cb'] }).application_type).toBe('native');
  });

  it('escapes every value it renders', () => {
    expect(escapeHtml(`<script>"x" & 'y'</script>`)).toBe(
      '&#60;script&#62;&#34;x&#34; &#38; &#39;y&#39;&#60;/script&#62;',
    );
    const html = signInPage({ action: '/a"b', csrf: 'c<d', clientName: '<img src=x>', email: '"><b>' });
    expect(html).not.toContain('<img');
    expect(html).not.toContain('"><b>');
    expect(html).toContain('value="c&#60;d"');
  });

  it('allows no script, frames nothing, and lets forms lead only to auth and the flow’s redirect target', () => {
    const csp = securityHeaders(['https://app.example/cb?x=1', 'com.example.app:/cb'])['content-security-policy'];
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('script-src');
    expect(csp).toContain("form-action 'self' https://app.example com.example.app:");
    expect(csp).toContain("frame-ancestors 'none'");
  });
});
