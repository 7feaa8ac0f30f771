import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { NatsContext } from '@nestjs/microservices';
import { IS_PUBLIC_KEY } from '@tessera/platform';
import type { FastifyRequest } from 'fastify';

import { InsufficientScopeError, InvalidTokenError } from '../auth.errors';
import { AUTH_MODULE_OPTIONS, type ResolvedAuthOptions } from '../auth.options';
import { ROLES_KEY, SCOPES_KEY } from '../decorators/auth.decorators';
import type { Principal } from '../principal';
import { TokenVerifier } from '../verification/token-verifier';
import { setPrincipal } from './principal-holder';
import { tokenFromHttp, tokenFromNats } from './token-extraction';

/**
 * The global guard: every HTTP route and NATS handler needs a valid access token unless it is
 * `@Public()`. Only the token's source differs by transport; verification is TokenVerifier.
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
    @Inject(AUTH_MODULE_OPTIONS) private readonly options: ResolvedAuthOptions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) {
      return true;
    }
    const type = context.getType();
    if (type !== 'http' && type !== 'rpc') {
      return false;
    }
    const token =
      type === 'http'
        ? tokenFromHttp(context.switchToHttp().getRequest<FastifyRequest>(), this.options.cookieName)
        : tokenFromNats(context.switchToRpc().getContext<NatsContext>());
    const principal = await this.verifier.verify(token).catch((e: unknown) => {
      // The caller gets a generic 401; the log gets the reason (never the token).
      if (e instanceof InvalidTokenError) {
        this.logger.debug(`access token refused (${type}): ${e.reason}`);
      }
      throw e;
    });
    this.authorize(principal, targets);
    setPrincipal(context, principal);
    return true;
  }

  private authorize(principal: Principal, targets: Parameters<Reflector['getAllAndOverride']>[1]): void {
    const roles = this.reflector.getAllAndOverride<string[] | undefined>(ROLES_KEY, targets);
    if (roles?.length && !roles.some((r) => principal.roles.includes(r))) {
      throw new InsufficientScopeError(roles.join(' '));
    }
    const scopes = this.reflector.getAllAndOverride<string[] | undefined>(SCOPES_KEY, targets);
    if (scopes?.length && !scopes.some((s) => principal.scopes.includes(s))) {
      throw new InsufficientScopeError(scopes.join(' '));
    }
  }
}
