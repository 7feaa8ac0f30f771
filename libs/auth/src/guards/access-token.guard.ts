import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { NatsContext } from '@nestjs/microservices';
import { IS_PUBLIC_KEY } from '@tessera/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { InsufficientScopeError, InvalidTokenError } from '../auth.errors';
import { AUTH_MODULE_OPTIONS, type ResolvedAuthOptions } from '../auth.options';
import { ROLES_KEY, SCOPES_KEY } from '../decorators/auth.decorators';
import { VerificationMetrics } from '../metrics/verification.metrics';
import type { Principal } from '../principal';
import { TokenVerifier } from '../verification/token-verifier';
import { getPrincipal, setPrincipal } from './principal-holder';
import { tokenFromHttp, tokenFromNats } from './token-extraction';

/** What a handler's decorators ask of the caller (`@Public()`, `@Roles()`, `@Scopes()`). */
interface RoutePolicy {
  isPublic: boolean;
  /** Unset: no role required. */
  roles?: readonly string[];
  /** Unset: no scope required. */
  scopes?: readonly string[];
}

const required = (values: string[] | undefined) => (values?.length ? values : undefined);

/**
 * The global guard: every HTTP route and NATS handler needs a valid access token unless it is
 * `@Public()`. Only the token's source differs by transport; verification is TokenVerifier.
 * Over HTTP it marks the answer `Cache-Control: no-store` before anything can refuse it.
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  private readonly logger = new Logger('Auth');
  /**
   * Decorator metadata is fixed once the classes are defined, so the Reflector is read once per
   * (class, handler), not three times per request (README.md, "Performance"). Keyed by both: a
   * handler inherited by two controllers may be public in one and not the other.
   */
  private readonly policies = new WeakMap<object, WeakMap<object, RoutePolicy>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
    @Inject(AUTH_MODULE_OPTIONS) private readonly options: ResolvedAuthOptions,
    @Optional() private readonly metrics?: VerificationMetrics,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const policy = this.policyOf(context);
    if (policy.isPublic) {
      return true;
    }
    const type = context.getType();
    if (type !== 'http' && type !== 'rpc') {
      return false;
    }
    if (type === 'rpc') {
      // Guarded twice under inheritAppConfig (globally and on the handler, rpc-handler-guard.ts):
      // the second run finds this message's principal verified already.
      const verified = getPrincipal(context);
      if (verified) {
        this.authorize(verified, policy);
        return true;
      }
    }
    const transport = type === 'http' ? 'http' : 'nats';
    let principal: Principal;
    try {
      let token: string;
      if (type === 'http') {
        const http = context.switchToHttp();
        // Every answer of a route that needs a token, 401 and 403 included, is the caller's
        // own: no shared or browser cache may keep it (ASVS 5.0 §14.3.2; SECURITY.md).
        // Fastify's reply and Express's response both have header(name, value).
        void http.getResponse<FastifyReply>().header('cache-control', 'no-store');
        token = tokenFromHttp(http.getRequest<FastifyRequest>(), this.options.cookieName);
      } else {
        token = tokenFromNats(context.switchToRpc().getContext<NatsContext>());
      }
      principal = await this.verifier.verify(token);
    } catch (e) {
      this.metrics?.refused(transport, e);
      // The caller gets a generic 401; the log gets the reason (never the token).
      if (e instanceof InvalidTokenError) {
        this.logger.debug(`access token refused (${type}): ${e.reason}`);
      }
      throw e;
    }
    this.metrics?.verified(transport);
    this.authorize(principal, policy);
    setPrincipal(context, principal);
    return true;
  }

  private policyOf(context: ExecutionContext): RoutePolicy {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byHandler = this.policies.get(controller);
    let policy = byHandler?.get(handler);
    if (!policy) {
      const targets = [handler, controller];
      policy = {
        isPublic: Boolean(this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)),
        roles: required(this.reflector.getAllAndOverride<string[] | undefined>(ROLES_KEY, targets)),
        scopes: required(this.reflector.getAllAndOverride<string[] | undefined>(SCOPES_KEY, targets)),
      };
      if (!byHandler) {
        byHandler = new WeakMap();
        this.policies.set(controller, byHandler);
      }
      byHandler.set(handler, policy);
    }
    return policy;
  }

  private authorize(principal: Principal, { roles, scopes }: RoutePolicy): void {
    if (roles && !roles.some((r) => principal.roles.includes(r))) {
      throw new InsufficientScopeError(roles.join(' '));
    }
    if (scopes && !scopes.some((s) => principal.scopes.includes(s))) {
      throw new InsufficientScopeError(scopes.join(' '));
    }
  }
}
