import { createPrivateKey, type KeyObject, randomUUID, sign } from 'node:crypto';

/** The claims of a bench token, shaped exactly like auth's access tokens (TokenIssuer). */
export interface TokenSpec {
  kid: string;
  issuer: string;
  audience: string[];
  roles: string[];
  scope: string;
  ttlSeconds: number;
}

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs `count` RS256 tokens, each with its own `sub` and `jti`, with node:crypto. */
export function signTokens(privateKey: KeyObject | string, spec: TokenSpec, count: number): string[] {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  const header = part({ alg: 'RS256', kid: spec.kid, typ: 'at+jwt' });
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const iat = Math.floor(Date.now() / 1000);
    const input = `${header}.${part({
      roles: spec.roles,
      scope: spec.scope,
      iss: spec.issuer,
      sub: randomUUID(),
      aud: spec.audience,
      iat,
      nbf: iat,
      exp: iat + spec.ttlSeconds,
      jti: randomUUID(),
    })}`;
    tokens.push(`${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`);
  }
  return tokens;
}
