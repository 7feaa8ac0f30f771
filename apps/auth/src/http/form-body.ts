import { BadRequestException } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';

import { JsonBodyRequiredError } from './http.errors';

/** The only routes whose bodies may be HTML forms: RFC 6749 §4.1.3 and RFC 7009 §2.1 require them. */
export const FORM_ROUTE_PREFIX = '/oauth/';

export type FormBody = Record<string, string | string[]>;

/**
 * Registers the application/x-www-form-urlencoded parser in place of the framework's, taking
 * forms only on `/oauth/*`: anywhere else a form body is 415 `unsupported_media_type` before the
 * route runs, so no cross-site HTML form can reach a cookie-authenticated route (login CSRF
 * through `/auth/refresh`). JSON bodies never reach this parser: it costs their requests nothing.
 * Call before the app is initialised (before `listen`).
 */
export function acceptFormsOnlyOnOAuthRoutes(app: NestFastifyApplication): void {
  // The service's body limit (413 beyond it), as the framework's own parser has it.
  const { bodyLimit } = app.getHttpAdapter().getInstance().initialConfig;
  app.useBodyParser('application/x-www-form-urlencoded', { bodyLimit }, (request, body, done) => {
    if (!isFormRoute(request)) {
      done(new JsonBodyRequiredError(), undefined);
      return;
    }
    const parsed = parseForm(body.toString('utf8'));
    if (parsed === undefined) {
      done(new BadRequestException('Object contains forbidden prototype property'), undefined);
      return;
    }
    done(null, parsed);
  });
}

/** The matched route's pattern, not the raw URL: `/oauth/../auth/refresh` is no OAuth route. */
function isFormRoute(request: Pick<FastifyRequest, 'routeOptions'>): boolean {
  return request.routeOptions.url?.startsWith(FORM_ROUTE_PREFIX) ?? false;
}

/**
 * The WHATWG form decoding (URLSearchParams), a repeated name becoming an array as the
 * framework's parser makes it. Undefined for a `__proto__` name, refused as in a JSON body: the
 * object would otherwise carry it onto any object it is copied into.
 */
export function parseForm(text: string): FormBody | undefined {
  const form = Object.create(null) as FormBody;
  for (const [name, value] of new URLSearchParams(text)) {
    if (name === '__proto__') {
      return undefined;
    }
    const seen = form[name];
    form[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return form;
}
