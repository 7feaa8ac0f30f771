import type { INestApplication } from '@nestjs/common';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import type {
  OpenAPIObject,
  OperationObject,
  PathItemObject,
  ReferenceObject,
  RequestBodyObject,
  SchemaObject,
} from '@nestjs/swagger';
import { ApiExtension, DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
// The route-level `helmet` option of the onRoute hook below is typed by this plugin.
import type {} from '@fastify/helmet';

import { IS_PUBLIC_KEY } from '../public.decorator';
import { problemResponse, ProblemSchema } from './problem.schema';

/** The Swagger UI; the OpenAPI document itself is at DOCS_JSON_PATH. */
export const DOCS_PATH = '/docs';
export const DOCS_JSON_PATH = '/docs/json';
/** Name of the security scheme every route that needs an access token refers to. */
export const BEARER_AUTH = 'bearer';
/**
 * Version of the HTTP contract the document describes (OpenAPI `info.version`). Paths carry no
 * version, so this changes major only on a breaking change, as a NATS subject gets a `.v2`.
 */
export const API_VERSION = '1.0.0';

/**
 * The policy of the pages under /docs, in place of helmet's. The UI loads its scripts and
 * stylesheets from this origin (no inline script) and has inline `<style>`, which helmet's
 * default allows too; but its `upgrade-insecure-requests` sends the asset requests to https://
 * when a plain-HTTP service is opened by host name rather than localhost, leaving a blank page.
 * Otherwise as tight as the UI allows: no other origin, no framing, no plugins.
 */
export const DOCS_CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    baseUri: ["'self'"],
    connectSrc: ["'self'"],
    fontSrc: ["'self'", 'data:'],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    imgSrc: ["'self'", 'data:'],
    objectSrc: ["'none'"],
    scriptSrc: ["'self'"],
    scriptSrcAttr: ["'none'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
  },
};

const isDocsRoute = (url: string) => url === DOCS_PATH || url.startsWith(`${DOCS_PATH}/`);

/**
 * Gives the /docs routes DOCS_CONTENT_SECURITY_POLICY. Must run before @fastify/helmet is
 * registered: helmet turns a route's `helmet` option into its configuration in its own onRoute
 * hook, which has to come after this one.
 */
export function useDocsContentSecurityPolicy(fastify: FastifyInstance): void {
  fastify.addHook('onRoute', (route) => {
    if (isDocsRoute(route.url)) {
      route.helmet = { contentSecurityPolicy: DOCS_CONTENT_SECURITY_POLICY };
    }
  });
}

const operationId = (controller: string, method: string) => `${controller}_${method}`;

/**
 * Operation ids of the handlers the global access-token guard lets through: `@Public()` on the
 * handler or else on its controller, the rule the guard itself applies.
 */
function publicOperationIds(app: INestApplication): Set<string> {
  const scanner = new MetadataScanner();
  const ids = new Set<string>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (typeof metatype !== 'function') {
        continue;
      }
      const prototype = metatype.prototype as Record<string, unknown>;
      const controllerPublic: unknown = Reflect.getMetadata(IS_PUBLIC_KEY, metatype);
      for (const name of scanner.getAllMethodNames(prototype)) {
        const handlerPublic: unknown = Reflect.getMetadata(IS_PUBLIC_KEY, prototype[name] as object);
        if ((handlerPublic ?? controllerPublic) === true) {
          ids.add(operationId(metatype.name, name));
        }
      }
    }
  }
  return ids;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

function operationsOf(document: OpenAPIObject): OperationObject[] {
  return Object.values(document.paths).flatMap((item: PathItemObject) =>
    METHODS.flatMap((method) => item[method] ?? []),
  );
}

/**
 * Marks every route that needs an access token the way the guard decides it (everything not
 * `@Public()`), with the guard's 401, so the document cannot disagree with the guard even for a
 * controller that carries no OpenAPI decorator at all.
 */
function describeAccessTokens(document: OpenAPIObject, publicIds: Set<string>): void {
  const unauthorized = problemResponse(
    'No valid access token: missing, malformed, expired, revoked or not signed by a published key.',
    { 'WWW-Authenticate': 'The RFC 6750 challenge, e.g. `Bearer realm="tessera", error="invalid_token"`.' },
  );
  for (const operation of operationsOf(document)) {
    if (operation.operationId !== undefined && publicIds.has(operation.operationId)) {
      continue;
    }
    operation.security = [{ [BEARER_AUTH]: [] }];
    operation.responses['401'] ??= unauthorized;
  }
}

/**
 * Drops the component schemas no route refers to: the scanner also registers the payload
 * classes of NATS handlers, which are no part of the HTTP API.
 */
function pruneUnusedSchemas(document: OpenAPIObject): void {
  const schemas = document.components?.schemas ?? {};
  const used = new Set<string>();
  const visit = (value: unknown) => {
    for (const [, name] of JSON.stringify(value).matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
      if (!used.has(name)) {
        used.add(name);
        visit(schemas[name]);
      }
    }
  };
  visit(document.paths);
  for (const name of Object.keys(schemas).filter((n) => !used.has(n))) {
    delete schemas[name];
  }
}

/** The operation extension ApiOpenRequestBody sets; read, then removed, by closeRequestBodies. */
const OPEN_REQUEST_BODY = 'x-tessera-open-request-body';

/**
 * Documents a route whose body bypasses the global ValidationPipe and ignores members it does
 * not know (RFC 7591 client metadata): its schema is not closed with `additionalProperties: false`.
 */
export function ApiOpenRequestBody(): MethodDecorator {
  return ApiExtension(OPEN_REQUEST_BODY, true);
}

/**
 * Declares `additionalProperties: false` on every object schema a JSON request body refers to,
 * nested ones included: the global ValidationPipe (forbidNonWhitelisted) refuses a field its
 * DTO does not declare, and the document says so. Bodies that may also be form-encoded are the
 * OAuth endpoints, whose parameter pipe ignores unknown parameters (RFC 6749 §3.2, RFC 7009
 * §2.1): their schemas stay open, as do those of routes marked with ApiOpenRequestBody.
 */
function closeRequestBodies(document: OpenAPIObject): void {
  const schemas = (document.components?.schemas ?? {}) as Record<string, SchemaObject>;
  const closed = new Set<SchemaObject>();
  const close = (schema: SchemaObject | ReferenceObject | undefined): void => {
    if (schema === undefined) {
      return;
    }
    const target = '$ref' in schema ? schemas[schema.$ref.replace('#/components/schemas/', '')] : schema;
    if (target === undefined || closed.has(target)) {
      return;
    }
    closed.add(target);
    if (target.type === 'object' || target.properties) {
      target.additionalProperties = false;
    }
    Object.values(target.properties ?? {}).forEach(close);
    [target.items, ...(target.allOf ?? [])].forEach(close);
  };
  for (const operation of operationsOf(document)) {
    const content = (operation.requestBody as RequestBodyObject | undefined)?.content ?? {};
    const extensions: Record<string, unknown> = operation as OperationObject & Record<string, unknown>;
    const open = extensions[OPEN_REQUEST_BODY] === true;
    delete extensions[OPEN_REQUEST_BODY];
    if (!open && !('application/x-www-form-urlencoded' in content)) {
      Object.values(content).forEach(({ schema }) => close(schema));
    }
  }
}

export interface ApiDocsOptions {
  /** The service's name, in the document's title. */
  serviceName: string;
}

/** The OpenAPI document of every HTTP route of `app`. */
export function createApiDocument(app: INestApplication, options: ApiDocsOptions): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle(`Tessera ${options.serviceName} API`)
    .setDescription(
      [
        `The HTTP API of the Tessera ${options.serviceName} service.`,
        'Routes with a lock need an access token from auth (`POST /auth/login` for a user, ' +
          '`POST /oauth/token` for a service) as `Authorization: Bearer <token>`.',
        'Errors are RFC 9457 problem details (`application/problem+json`) with a machine-readable `code`; ' +
          'the OAuth 2.0 endpoints answer RFC 6749 `{error, error_description}` instead.',
      ].join('\n\n'),
    )
    .setVersion(API_VERSION)
    // Relative: the document describes the service that serves it, whatever name it is reached by.
    .addServer('/', `This ${options.serviceName} service`)
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'An access token (RFC 9068 `at+jwt`) issued by auth for this service.',
      },
      BEARER_AUTH,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: operationId,
    extraModels: [ProblemSchema],
    // A controller without @ApiTags shows under "default", easy to spot, not under a made-up tag.
    autoTagControllers: false,
  });
  describeAccessTokens(document, publicOperationIds(app));
  pruneUnusedSchemas(document);
  closeRequestBodies(document);
  return document;
}

/**
 * Serves the Swagger UI at DOCS_PATH and the OpenAPI document at DOCS_JSON_PATH. Both are
 * plain Fastify routes, so no Nest guard runs on them: they are public by construction. The
 * document is built on first request, once every module has registered its routes.
 */
export function setupApiDocs(app: INestApplication, options: ApiDocsOptions): void {
  SwaggerModule.setup(DOCS_PATH, app, () => createApiDocument(app, options), {
    jsonDocumentUrl: DOCS_JSON_PATH,
    raw: ['json'],
    customSiteTitle: `Tessera ${options.serviceName} API`,
  });
}
