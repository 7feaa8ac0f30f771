import { redirectUriPolicyFor, redirectUriProblem } from './redirect-uri';

describe('redirectUriPolicyFor', () => {
  const loopback = 'http://127.0.0.1:8080/callback';

  it('accepts an http loopback redirect URI outside production', () => {
    expect(redirectUriProblem(loopback, redirectUriPolicyFor({ production: false }))).toBeUndefined();
  });

  it('refuses an http loopback redirect URI in production, https still accepted', () => {
    const production = redirectUriPolicyFor({ production: true });
    expect(redirectUriProblem(loopback, production)).toBe(
      'must use https (http is accepted for a loopback address in development only)',
    );
    expect(redirectUriProblem('https://planner.example.com/callback', production)).toBeUndefined();
  });
});
