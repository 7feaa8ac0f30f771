import { Inject, Injectable, Optional } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';

import { AUTH_MODULE_OPTIONS, type ResolvedAuthOptions } from '../auth.options';
import { tokenFromHttp } from '../guards/token-extraction';
import type { Principal } from '../principal';
import { TokenVerifier } from '../verification/token-verifier';

/**
 * A passport strategy named `jwt` for code written against `AuthGuard('jwt')`. It is not
 * passport-jwt: it runs the same TokenVerifier as the global guard, so both accept and refuse
 * exactly the same tokens, and failures keep their RFC 6750 status, headers and problem body.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    private readonly verifier: TokenVerifier,
    @Optional() @Inject(AUTH_MODULE_OPTIONS) private readonly options?: ResolvedAuthOptions,
  ) {
    super();
  }

  validate(request: FastifyRequest): Promise<Principal> {
    return this.verifier.verify(tokenFromHttp(request, this.options?.cookieName));
  }
}
