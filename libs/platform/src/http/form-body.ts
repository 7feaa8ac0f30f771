import { BadRequestException } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';

import { TesseraError } from '../errors/tessera-error';

export type FormBody = Record<string, string | string[]>;

/** Bodies are JSON except on the routes a service lets take forms (`formRoutePrefix`). */
export class JsonBodyRequiredError extends TesseraError {
  constructor() {
    super('unsupported_media_type', 415, 'Send the body as application/json.');
  }
}

/**
 * Registers the application/x-www-form-urlencoded parser in place of the framework's, which
 * createService does for every service: a form body is 415 `unsupported_media_type` before the
 * route runs, except on routes whose pattern starts with `formRoutePrefix` (auth's `/oauth/`,
 * where RFC 6749 §4.1.3 and RFC 7009 §2.1 require forms). So no cross-site HTML form, which can
 * send no JSON, reaches any other route (login CSRF through `/auth/refresh`, a profile change).
 * JSON bodies never reach this parser: it costs their requests nothing. Call before the app is
 * initialised (before `listen`).
 */
export function acceptFormsOnlyUnder(app: NestFastifyApplication, formRoutePrefix: string | undefined): void {
  // The service's body limit (413 beyond it), as the framework's own parser has it.
  const { bodyLimit } = app.getHttpAdapter().getInstance().initialConfig;
  app.useBodyParser('application/x-www-form-urlencoded', { bodyLimit }, (request, body, done) => {
    if (formRoutePrefix === undefined || !isFormRoute(request, formRoutePrefix)) {
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
function isFormRoute(request: Pick<FastifyRequest, 'routeOptions'>, prefix: string): boolean {
  return request.routeOptions.url?.startsWith(prefix) ?? false;
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
