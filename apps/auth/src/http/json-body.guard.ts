import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import { JsonBodyRequiredError } from '@tessera/platform';
import type { FastifyRequest } from 'fastify';

import { isJson } from './content-type';

/**
 * Sign-in and registration take JSON only, and this guard also refuses a request to them that
 * has no body at all, so that it answers 415 before the body is validated. A form body is
 * refused before any route runs on every route outside /oauth/*
 * (libs/platform/src/http/form-body.ts): a cross-site form could otherwise sign a browser in to
 * the attacker's account and set its refresh cookie (login CSRF).
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (!isJson(context.switchToHttp().getRequest<FastifyRequest>().headers['content-type'])) {
      throw new JsonBodyRequiredError();
    }
    return true;
  }
}
