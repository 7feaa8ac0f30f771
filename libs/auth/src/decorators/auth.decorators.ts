import type { ExecutionContext } from '@nestjs/common';
import { createParamDecorator, SetMetadata } from '@nestjs/common';

import { getPrincipal } from '../guards/principal-holder';

export const ROLES_KEY = 'tessera:roles';
export const SCOPES_KEY = 'tessera:scopes';

/** The caller must hold at least one of these roles. */
export const Roles = (...roles: string[]) => SetMetadata(ROLES_KEY, roles);

/** The caller's token must carry at least one of these scopes. */
export const Scopes = (...scopes: string[]) => SetMetadata(SCOPES_KEY, scopes);

/** The verified principal of the current HTTP request or NATS message. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext) => getPrincipal(context));
