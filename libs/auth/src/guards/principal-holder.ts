import type { ExecutionContext } from '@nestjs/common';

import type { Principal } from '../principal';

/**
 * Where the guard leaves the verified principal for `@CurrentUser()`: keyed by the transport's
 * own request object (Fastify request or NatsContext), so nothing is written onto them.
 */
const principals = new WeakMap<object, Principal>();

export function carrierOf(context: ExecutionContext): object {
  return context.getType() === 'rpc'
    ? context.switchToRpc().getContext<object>()
    : context.switchToHttp().getRequest<object>();
}

export function setPrincipal(context: ExecutionContext, principal: Principal): void {
  principals.set(carrierOf(context), principal);
}

export function getPrincipal(context: ExecutionContext): Principal | undefined {
  return principals.get(carrierOf(context));
}
