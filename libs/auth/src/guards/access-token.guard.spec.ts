import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Public } from '@tessera/platform';

import { InsufficientScopeError, InvalidTokenError, MissingTokenError } from '../auth.errors';
import { resolveAuthOptions } from '../auth.options';
import { CurrentUser, Roles, Scopes } from '../decorators/auth.decorators';
import { createTestSigningKey, createTestVerifier, signTestToken, type TestSigningKey } from '../testing';
import { AccessTokenGuard } from './access-token.guard';
import { getPrincipal } from './principal-holder';

const issuer = 'http://issuer.test';
const audience = 'profile';

class Handlers {
  @Scopes('profile:read')
  read(): void {}

  @Roles('admin')
  admin(): void {}

  @Public()
  open(): void {}

  any(@CurrentUser() _user?: unknown): void {}
}

/** The same guard on both transports: an HTTP request and a NATS message carrying the same token. */
function contexts(handler: keyof Handlers, token?: string): ExecutionContext[] {
  const http = {
    raw: { rawHeaders: token ? ['authorization', `Bearer ${token}`] : [] },
  };
  const nats = {
    getHeaders: () => ({ values: (name: string) => (name === 'authorization' && token ? [`Bearer ${token}`] : []) }),
  };
  const base = { getHandler: () => Handlers.prototype[handler], getClass: () => Handlers };
  return [
    {
      ...base,
      getType: () => 'http',
      switchToHttp: () => ({ getRequest: () => http, getResponse: () => ({ header: () => undefined }) }),
    },
    { ...base, getType: () => 'rpc', switchToRpc: () => ({ getContext: () => nats }) },
  ] as unknown as ExecutionContext[];
}

describe('AccessTokenGuard over HTTP and NATS', () => {
  let key: TestSigningKey;
  let guard: AccessTokenGuard;

  beforeAll(async () => {
    key = await createTestSigningKey();
    const { verifier } = createTestVerifier({ issuer, audience }, [key.publicJwk]);
    guard = new AccessTokenGuard(new Reflector(), verifier, resolveAuthOptions({ issuer, audience }));
  });

  const sign = (claims: { roles?: string[]; scope?: string }) =>
    signTestToken(key, { issuer, audience, sub: 'client:orders', ...claims });

  it('lets a @Scopes handler through with the scope and attaches the principal', async () => {
    const token = await sign({ roles: [], scope: 'profile:read' });
    for (const context of contexts('read', token)) {
      await expect(guard.canActivate(context)).resolves.toBe(true);
      expect(getPrincipal(context)).toMatchObject({ sub: 'client:orders', scopes: ['profile:read'] });
    }
  });

  it('answers 403 insufficient_scope without the scope or role, on both transports', async () => {
    const token = await sign({ roles: ['user'], scope: 'orders:read' });
    for (const context of [...contexts('read', token), ...contexts('admin', token)]) {
      await expect(guard.canActivate(context)).rejects.toBeInstanceOf(InsufficientScopeError);
    }
  });

  it('answers 401 without a token and for a bad one, and lets @Public through', async () => {
    for (const context of contexts('any')) {
      await expect(guard.canActivate(context)).rejects.toBeInstanceOf(MissingTokenError);
    }
    for (const context of contexts('any', 'a.b.c')) {
      await expect(guard.canActivate(context)).rejects.toBeInstanceOf(InvalidTokenError);
    }
    for (const context of contexts('open')) {
      await expect(guard.canActivate(context)).resolves.toBe(true);
    }
  });

  it('reads a handler’s decorators once, not on every request', async () => {
    const reflector = new Reflector();
    const reads = jest.spyOn(reflector, 'getAllAndOverride');
    const { verifier } = createTestVerifier({ issuer, audience }, [key.publicJwk]);
    const counted = new AccessTokenGuard(reflector, verifier, resolveAuthOptions({ issuer, audience }));
    const token = await sign({ roles: [], scope: 'profile:read' });
    for (let i = 0; i < 3; i++) {
      for (const context of contexts('read', token)) {
        await expect(counted.canActivate(context)).resolves.toBe(true);
      }
    }
    // @Public, @Roles and @Scopes, once for the (class, handler) pair.
    expect(reads).toHaveBeenCalledTimes(3);
    await expect(counted.canActivate(contexts('admin', token)[0])).rejects.toBeInstanceOf(InsufficientScopeError);
  });
});
