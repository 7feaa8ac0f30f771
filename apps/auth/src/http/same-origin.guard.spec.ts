import { isSameOriginRequest } from './same-origin.guard';

describe('isSameOriginRequest', () => {
  const allowed = new Set(['https://console.example']);
  const host = 'auth.example';

  it.each<[string, string | undefined, string | undefined]>([
    ['a listed origin, even from another site', 'https://console.example', 'cross-site'],
    ["auth's own origin", 'https://auth.example', 'same-origin'],
    ["auth's own origin without Sec-Fetch-Site", 'https://auth.example', undefined],
    ['a user navigation', undefined, 'none'],
    ['a client sending neither header', undefined, undefined],
  ])('lets through %s', (_name, origin, site) => {
    expect(isSameOriginRequest(origin, site, host, allowed)).toBe(true);
  });

  it('matches the default port of the scheme', () => {
    expect(isSameOriginRequest('https://auth.example', undefined, 'auth.example:443', allowed)).toBe(true);
    expect(isSameOriginRequest('http://auth.example', undefined, 'auth.example:80', allowed)).toBe(true);
    expect(isSameOriginRequest('http://auth.example:8080', undefined, 'auth.example:80', allowed)).toBe(false);
  });

  it.each<[string, string | undefined, string | string[] | undefined]>([
    ['Sec-Fetch-Site cross-site', undefined, 'cross-site'],
    ['Sec-Fetch-Site same-site from an unlisted origin', 'https://evil.auth.example', 'same-site'],
    ['an unlisted origin', 'https://evil.example', undefined],
    ['an unlisted origin claiming same-site', 'https://evil.example', 'same-site'],
    ['Origin null', 'null', undefined],
    ['an origin that is no URL', 'not a url', undefined],
    ['a Sec-Fetch-Site sent twice', undefined, ['same-origin', 'same-origin']],
  ])('refuses %s', (_name, origin, site) => {
    expect(isSameOriginRequest(origin, site, host, allowed)).toBe(false);
  });
});
