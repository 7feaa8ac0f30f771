import { presentedClient } from './client-authentication';
import { InvalidClientError, InvalidOAuthRequestError } from './oauth.errors';

const refuse = { otherSchemes: 'refuse' } as const;
const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;
const headers = (...authorization: string[]) => authorization.flatMap((value) => ['Authorization', value]);

describe('presentedClient', () => {
  it('lets the public console client name itself without a secret (auth method none)', () => {
    expect(presentedClient([], { client_id: 'tessera-web' }, refuse)).toBeUndefined();
    // With a secret it is a confidential-client attempt, authenticated (and refused) as one.
    expect(presentedClient([], { client_id: 'tessera-web', client_secret: 'x' }, refuse)).toMatchObject({
      clientId: 'tessera-web',
    });
  });

  it('reads client_secret_basic, form-decoding id and secret (RFC 6749 §2.3.1)', () => {
    expect(presentedClient(headers(basic('orders:s3cr%3At+x%2B')), {}, refuse)).toEqual({
      method: 'client_secret_basic',
      clientId: 'orders',
      clientSecret: 's3cr:t x+',
    });
  });

  it('accepts a lower-case scheme and a matching client_id in the body', () => {
    const value = basic('orders:secret').replace('Basic', 'basic');
    expect(presentedClient(headers(value), { client_id: 'orders' }, refuse)).toMatchObject({ clientId: 'orders' });
  });

  it('reads client_secret_post', () => {
    expect(presentedClient([], { client_id: 'orders', client_secret: 'secret' }, refuse)).toEqual({
      method: 'client_secret_post',
      clientId: 'orders',
      clientSecret: 'secret',
    });
  });

  it('finds no credentials in a request without any (the public client)', () => {
    expect(presentedClient(['Content-Type', 'application/json'], {}, refuse)).toBeUndefined();
  });

  it('refuses two authentication methods, two Authorization headers, or a client_id that disagrees', () => {
    const value = basic('orders:secret');
    expect(() => presentedClient(headers(value), { client_id: 'orders', client_secret: 'secret' }, refuse)).toThrow(
      InvalidOAuthRequestError,
    );
    expect(() => presentedClient(headers(value, value), {}, refuse)).toThrow(InvalidOAuthRequestError);
    expect(() => presentedClient(headers(value), { client_id: 'profile' }, refuse)).toThrow(InvalidOAuthRequestError);
    expect(() => presentedClient([], { client_secret: 'secret' }, refuse)).toThrow(InvalidOAuthRequestError);
  });

  it.each([
    ['no colon', basic('orders')],
    ['an empty id', basic(':secret')],
    ['bad percent-encoding', basic('orders:%E0%A4%A')],
    ['not base64', 'Basic !!!'],
    ['no credentials', 'Basic'],
    ['another scheme', 'Bearer abc.def.ghi'],
  ])('answers a Basic header with %s as a failed client authentication', (_case, value) => {
    expect(() => presentedClient(headers(value), {}, refuse)).toThrow(InvalidClientError);
  });

  it('answers a client_id without its secret as a failed client authentication', () => {
    expect(() => presentedClient([], { client_id: 'orders' }, refuse)).toThrow(InvalidClientError);
  });

  it('ignores another scheme where bearer callers are welcome', () => {
    expect(presentedClient(headers('Bearer abc.def.ghi'), {}, { otherSchemes: 'ignore' })).toBeUndefined();
  });
});
