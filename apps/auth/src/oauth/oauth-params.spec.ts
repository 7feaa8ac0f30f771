import { TokenRequestDto } from './dto/token-request.dto';
import { InvalidOAuthRequestError } from './oauth.errors';
import { OAuthParamsPipe } from './oauth-params';

const pipe = new OAuthParamsPipe(TokenRequestDto);

function refusal(body: unknown): string {
  try {
    pipe.transform(body);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidOAuthRequestError);
    return (e as Error).message;
  }
  throw new Error('expected the parameters to be refused');
}

describe('OAuthParamsPipe', () => {
  it('keeps the declared parameters as a DTO', () => {
    const params = pipe.transform({ grant_type: 'client_credentials', scope: 'profile:read' });
    expect(params).toBeInstanceOf(TokenRequestDto);
    expect(params).toEqual({ grant_type: 'client_credentials', scope: 'profile:read' });
  });

  it('ignores unknown parameters (RFC 6749 §3.2), repeated ones included', () => {
    expect(pipe.transform({ grant_type: 'refresh_token', unknown_param: ['a', 'b'], __proto__x: 1 })).toEqual({
      grant_type: 'refresh_token',
    });
  });

  it('treats a parameter without a value as omitted (RFC 6749 §3.1)', () => {
    expect(pipe.transform({ grant_type: 'client_credentials', scope: '' })).toEqual({
      grant_type: 'client_credentials',
    });
  });

  it('treats no body as no parameters', () => {
    expect(pipe.transform(undefined)).toEqual({});
  });

  it('refuses a repeated parameter (RFC 6749 §3.1)', () => {
    expect(refusal({ grant_type: ['client_credentials', 'refresh_token'] })).toBe('grant_type must not be repeated.');
  });

  it('refuses a parameter that is not a string, or too long, naming it without echoing it', () => {
    expect(refusal({ scope: 5 })).toBe('scope must be a string.');
    expect(refusal({ scope: { a: 1 } })).toBe('scope must be a string.');
    const long = 's'.repeat(600);
    const message = refusal({ client_secret: long });
    expect(message).toMatch(/^client_secret must be shorter than or equal to 512 characters/);
    expect(message).not.toContain(long);
  });

  it('refuses a body that is not a set of parameters', () => {
    expect(refusal(['grant_type'])).toMatch(/must be form-encoded parameters or a JSON object/);
    expect(refusal('grant_type=client_credentials')).toMatch(/must be form-encoded parameters or a JSON object/);
  });
});
