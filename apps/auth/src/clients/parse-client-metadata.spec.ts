import { generateKeyPairSync } from 'node:crypto';

import { parseClientMetadata } from './parse-client-metadata';

const dev = { allowLoopbackHttp: true };
const prod = { allowLoopbackHttp: false };
const base = { client_name: 'Planner', redirect_uris: ['https://planner.example.com/callback'] };

async function refusal(input: unknown, policy = dev): Promise<{ code: string; message: string }> {
  try {
    await parseClientMetadata(input, policy);
  } catch (e) {
    return { code: (e as { code: string }).code, message: (e as Error).message };
  }
  throw new Error('accepted');
}

const rsaPublic = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
const ecPair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });

describe('parseClientMetadata', () => {
  it('fills in the RFC 7591 defaults and drops unknown members', async () => {
    await expect(parseClientMetadata({ ...base, logo_uri: 'https://x', client_id: 'mine' }, prod)).resolves.toEqual({
      ...base,
      post_logout_redirect_uris: [],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid',
      first_party: false,
    });
  });

  it.each([
    ['https://planner.example.com/callback?x=1', prod],
    ['https://planner.example.com:8443/cb', prod],
    ['http://127.0.0.1:8080/cb', dev],
    ['http://[::1]:8080/cb', dev],
    ['http://localhost:3000/cb', dev],
    ['com.example.app:/oauth2redirect', prod],
  ])('accepts the redirect URI %s', async (uri, policy) => {
    await expect(parseClientMetadata({ ...base, redirect_uris: [uri] }, policy)).resolves.toMatchObject({
      redirect_uris: [uri],
    });
  });

  it.each([
    ['/callback', dev],
    ['planner.example.com/cb', dev],
    ['https://planner.example.com/cb#frag', dev],
    ['https://*.example.com/cb', dev],
    ['https://planner.example.com/*', dev],
    ['https://user:pw@planner.example.com/cb', dev],
    ['https://@planner.example.com/cb', dev],
    ['http://planner.example.com/cb', dev],
    ['http://127.0.0.1:8080/cb', prod],
    ['http://localhost/cb', prod],
    ['http://127.0.0.2/cb', dev],
    ['http://localhost.evil.com/cb', dev],
    ['javascript:alert(1)', dev],
    ['data:text/html,hi', dev],
    ['file:///etc/passwd', dev],
    ['myapp:/cb', dev],
    ['HTTPS://planner.example.com/cb', dev],
    ['https://Planner.Example.com/cb', dev],
    ['https://planner.example.com', dev],
    ['https://planner.example.com/a b', dev],
    ['https://planner.example.com\\@evil.com/', dev],
    ['https://planner.example.com/cb\n', dev],
    ['https://plänner.example.com/cb', dev],
    [`https://planner.example.com/${'a'.repeat(2000)}`, dev],
    ['', dev],
  ])('refuses the redirect URI %j with invalid_redirect_uri', async (uri, policy) => {
    expect((await refusal({ ...base, redirect_uris: [uri] }, policy)).code).toBe('invalid_redirect_uri');
  });

  it.each([
    [{ ...base, redirect_uris: [] }],
    [{ ...base, redirect_uris: undefined }],
    [{ ...base, redirect_uris: 'https://planner.example.com/cb' }],
    [{ ...base, redirect_uris: [42] }],
    [{ ...base, redirect_uris: [base.redirect_uris[0], base.redirect_uris[0]] }],
    [{ ...base, redirect_uris: Array.from({ length: 11 }, (_, i) => `https://a.example.com/${i}`) }],
    [{ ...base, post_logout_redirect_uris: ['http://planner.example.com/bye'] }],
  ])('refuses bad redirect_uris with invalid_redirect_uri: %j', async (input) => {
    expect((await refusal(input)).code).toBe('invalid_redirect_uri');
  });

  it.each([
    ['not an object', 'x'],
    ['an array', [base]],
    ['no client_name', { redirect_uris: base.redirect_uris }],
    ['a numeric client_name', { ...base, client_name: 7 }],
    ['a null client_name', { ...base, client_name: null }],
    ['a control character in client_name', { ...base, client_name: 'a\u0007b' }],
    ['an overlong client_name', { ...base, client_name: 'a'.repeat(101) }],
    ['client_credentials', { ...base, grant_types: ['authorization_code', 'client_credentials'] }],
    ['the implicit grant', { ...base, grant_types: ['implicit'] }],
    ['refresh_token alone', { ...base, grant_types: ['refresh_token'] }],
    ['a token response type', { ...base, response_types: ['code', 'token'] }],
    ['an id_token response type', { ...base, response_types: ['id_token'] }],
    ['private_key_jwt', { ...base, token_endpoint_auth_method: 'private_key_jwt' }],
    ['an unknown scope', { ...base, scope: 'openid admin' }],
    ['a repeated scope', { ...base, scope: 'openid openid' }],
    ['a malformed scope', { ...base, scope: 'openid  email' }],
    ['jwks_uri', { ...base, jwks_uri: 'https://planner.example.com/jwks' }],
    ['encryption without jwks', { ...base, id_token_encrypted_response_alg: 'RSA-OAEP-256' }],
    ['enc without alg', { ...base, id_token_encrypted_response_enc: 'A256GCM' }],
    ['an unsupported alg', { ...base, id_token_encrypted_response_alg: 'RSA1_5' }],
    [
      'an unsupported enc',
      { ...base, id_token_encrypted_response_alg: 'ECDH-ES', id_token_encrypted_response_enc: 'A128CBC-HS256' },
    ],
    ['jwks that is no key set', { ...base, jwks: { keys: 'x' } }],
    ['an empty key set', { ...base, jwks: { keys: [] } }],
    ['a symmetric key', { ...base, jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } }],
    ['a signing key', { ...base, jwks: { keys: [{ ...rsaPublic(), use: 'sig' }] } }],
    [
      'a small RSA key',
      {
        ...base,
        jwks: { keys: [generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' })] },
      },
    ],
    ['a broken EC key', { ...base, jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }] } }],
    ['first_party as a string', { ...base, first_party: 'true' }],
  ])('refuses %s with invalid_client_metadata', async (_what, input) => {
    const { code, message } = await refusal(input);
    expect(code).toBe('invalid_client_metadata');
    expect(message).not.toMatch(/c2VjcmV0/);
  });

  it('refuses a private key, saying so without echoing it', async () => {
    const jwk = ecPair().privateKey.export({ format: 'jwk' });
    const { code, message } = await refusal({
      ...base,
      jwks: { keys: [jwk] },
      id_token_encrypted_response_alg: 'ECDH-ES',
    });
    expect(code).toBe('invalid_client_metadata');
    expect(message).toMatch(/must be a public key/);
    expect(message).not.toContain(String(jwk.d));
  });

  it('refuses an alg no key in jwks serves', async () => {
    const jwk = ecPair().publicKey.export({ format: 'jwk' });
    expect(
      (await refusal({ ...base, jwks: { keys: [jwk] }, id_token_encrypted_response_alg: 'RSA-OAEP-256' })).message,
    ).toBe('jwks must hold a public key for RSA-OAEP-256.');
  });

  it('registers ID token encryption to a public key, A256GCM by default', async () => {
    const jwk = rsaPublic();
    await expect(
      parseClientMetadata(
        {
          ...base,
          grant_types: ['authorization_code', 'refresh_token'],
          token_endpoint_auth_method: 'none',
          scope: 'openid profile email offline_access orders:read',
          jwks: { keys: [jwk] },
          id_token_encrypted_response_alg: 'RSA-OAEP-256',
          first_party: true,
        },
        prod,
      ),
    ).resolves.toMatchObject({
      token_endpoint_auth_method: 'none',
      jwks: { keys: [jwk] },
      id_token_encrypted_response_alg: 'RSA-OAEP-256',
      id_token_encrypted_response_enc: 'A256GCM',
      first_party: true,
    });
  });
});
