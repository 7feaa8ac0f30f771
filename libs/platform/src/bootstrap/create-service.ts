import type { INestApplication, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { CustomStrategy } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyCors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { DestinationStream } from 'pino';

import { DEFAULT_HTTP_TIMEOUTS, type HttpTimeouts, type PlatformOptions } from '../config/service.config';
import { setupApiDocs, useDocsContentSecurityPolicy } from '../docs/api-docs';
import { ProblemFilter } from '../errors/problem.filter';
import { clientErrorHandler, frameworkErrorHandler } from '../http/client-errors';
import { corsOptions } from '../http/cors';
import { acceptFormsOnlyUnder } from '../http/form-body';
import { guardedJsonParser } from '../http/json-body';
import { answerMethodNotAllowed } from '../http/method-not-allowed';
import { RequestValidationPipe } from '../http/request-validation.pipe';
import { RequestLogController, useRequestContext } from '../logging/http-request-log';
import { createServiceLogger } from '../logging/logger';
import { NestPinoLogger } from '../logging/nest-pino-logger';
import { acceptRequestId, REQUEST_ID_HEADER } from '../logging/request-context';
import { observeHttpRequests, serveMetrics } from '../metrics/http-metrics';
import { Metrics } from '../metrics/metrics';
import { NatsMetrics } from '../metrics/nats-metrics';
import { NamespacedServerNats } from '../nats/namespaced-nats';
import { natsConnectOptions } from '../nats/nats-connect-options';

/** Request bodies above this are refused with 413 before any parsing or hashing work. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Fastify's and Node's server options for the timeouts: a client that sends its headers or body
 * too slowly gets a 408 problem (http/client-errors.ts) and loses its socket, an idle keep-alive socket is closed. Node
 * looks for expired requests every `connectionsCheckingInterval` (30 s by default, far longer
 * than a timeout), so it checks a few times per timeout instead: no work per request is added.
 */
export function httpServerTimeouts({ headersMs, requestMs, keepAliveMs }: HttpTimeouts) {
  const shortest = Math.min(...[headersMs, requestMs].filter((ms) => ms > 0));
  const connectionsCheckingInterval = Number.isFinite(shortest)
    ? Math.max(50, Math.min(1000, Math.floor(shortest / 4)))
    : 30_000;
  return {
    requestTimeout: requestMs,
    connectionTimeout: requestMs,
    keepAliveTimeout: keepAliveMs,
    http: { headersTimeout: headersMs, requestTimeout: requestMs, connectionsCheckingInterval },
  };
}

export interface CreateServiceOptions extends PlatformOptions {
  /** Nest's logger instead of the service's pino logger (Fastify and NATS lines stay pino's). */
  logger?: LoggerService | false;
  /** Where the JSON log lines go instead of stdout (tests that read them). */
  logDestination?: DestinationStream;
  /** Routes (pattern prefix, e.g. `/oauth/`) that take HTML forms; elsewhere a form body is 415. None unless set. */
  formRoutePrefix?: string;
}

/**
 * Builds a hybrid service: Fastify HTTP plus a NATS microservice in a queue group named after
 * the service, sharing one validation pipe and one error filter (`inheritAppConfig`), so a
 * handler behaves the same whichever transport reached it.
 */
export async function createService(module: unknown, options: CreateServiceOptions): Promise<NestFastifyApplication> {
  // One pino logger per process: JSON lines for Fastify, Nest and the NATS handlers alike.
  const pino = createServiceLogger({
    service: options.serviceName,
    level: options.logLevel ?? 'info',
    destination: options.logDestination,
  });
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    ...httpServerTimeouts(options.httpTimeouts ?? DEFAULT_HTTP_TIMEOUTS),
    // Only the listed proxies (TRUST_PROXY) may say who the client is; by default the peer is.
    trustProxy: options.trustProxy?.length ? options.trustProxy : false,
    // Keep a caller's correlation id when it is sane; otherwise make one up.
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) =>
      acceptRequestId(req.headers[REQUEST_ID_HEADER]),
    loggerInstance: pino,
    logController: new RequestLogController(),
    // Parser errors as problem+json: 408 for a slow client, 431 for oversized headers (readable, not a reset), 400 otherwise.
    clientErrorHandler,
    // The router's URL errors (bad percent-encoding, an overlong path segment) as problem+json too.
    frameworkErrors: frameworkErrorHandler,
  });
  const app = await NestFactory.create<NestFastifyApplication>(module as never, adapter, {
    logger: options.logger ?? new NestPinoLogger(pino),
    bufferLogs: false,
    // Let the caller (runMain, a test) see the boot error instead of Nest exiting the process.
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  useRequestContext(fastify);
  // Another method on an existing path: 405 with Allow, not 404.
  answerMethodNotAllowed(adapter, fastify);
  // The service's own registry (PlatformModule), not prom-client's global one.
  const metrics = app.get(Metrics);
  observeHttpRequests(fastify, metrics);
  const docs = options.docsEnabled !== false;
  if (docs) {
    // Before helmet: the /docs pages get a CSP of their own (see useDocsContentSecurityPolicy).
    useDocsContentSecurityPolicy(fastify);
  }
  if (options.corsOrigins?.length) {
    // Only for the listed origins (CORS_ORIGINS), with credentials: a web console on its own
    // origin. Preflights are answered in an onRequest hook, before any guard sees them.
    await app.register(fastifyCors, corsOptions(options.corsOrigins));
  }
  // Security headers on every response (HSTS, nosniff, frame-ancestors, no referrer...).
  await app.register(helmet as never);
  // Parses the Cookie header (refresh cookie in auth, optional access-token cookie anywhere).
  // Unsigned: every cookie Tessera reads holds a token that is verified on its own.
  await app.register(fastifyCookie as never);
  // JSON only: a body in any other media type is a 415, not a string handed to validation.
  fastify.removeContentTypeParser(['text/plain']);
  // Forms only where the service says (auth's /oauth/*): no cross-site HTML form reaches a route.
  acceptFormsOnlyUnder(app, options.formRoutePrefix);
  // JSON nested past MAX_JSON_DEPTH or holding a NUL character is a 400 at the parser.
  app.useBodyParser('application/json', { bodyLimit: BODY_LIMIT_BYTES }, guardedJsonParser(fastify));
  app.useGlobalPipes(
    new RequestValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      validationError: { target: false, value: false },
    }),
  );
  app.useGlobalFilters(new ProblemFilter());
  if (docs) {
    setupApiDocs(app, { serviceName: options.serviceName });
  }
  if (options.metricsEnabled !== false) {
    serveMetrics(fastify, metrics);
  }
  app.connectMicroservice<CustomStrategy>(
    {
      strategy: new NamespacedServerNats(
        {
          ...natsConnectOptions(
            { servers: options.natsUrl, credentials: options.natsCredentials, inboxPrefix: options.natsInboxPrefix },
            `${options.serviceName}-server`,
          ),
          queue: options.serviceName,
          // On shutdown: unsubscribe first, give in-flight handlers time to reply, then close.
          gracefulShutdown: true,
          gracePeriod: 2000,
        },
        options.natsNamespace,
        { logger: pino, metrics: app.get(NatsMetrics) },
      ),
    },
    { inheritAppConfig: true },
  );
  app.enableShutdownHooks();
  return app;
}

/** Starts both transports; resolves once HTTP listens and the NATS handlers are subscribed. */
export async function startService(app: INestApplication, options: PlatformOptions): Promise<void> {
  await app.startAllMicroservices();
  await app.listen(options.port, options.host);
}

/**
 * createService + startService, closing what was opened if anything fails on the way, so a
 * failed start (a port in use, NATS unreachable) leaves no half-started app behind.
 * `prepare` runs between the two (e.g. to register a Fastify plugin).
 */
export async function launchService(
  module: unknown,
  options: CreateServiceOptions,
  prepare?: (app: NestFastifyApplication) => Promise<void>,
): Promise<NestFastifyApplication> {
  const app = await createService(module, options);
  try {
    await prepare?.(app);
    await startService(app, options);
  } catch (e) {
    await app.close().catch(() => undefined);
    throw e;
  }
  return app;
}
