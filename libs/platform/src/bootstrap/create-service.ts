import { randomUUID } from 'node:crypto';

import type { INestApplication, LoggerService } from '@nestjs/common';
import { ConsoleLogger, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { CustomStrategy } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import fastifyCookie from '@fastify/cookie';
import helmet from '@fastify/helmet';

import type { PlatformOptions } from '../config/service.config';
import { setupApiDocs, useDocsContentSecurityPolicy } from '../docs/api-docs';
import { ProblemFilter } from '../errors/problem.filter';
import { NamespacedServerNats } from '../nats/namespaced-nats';
import { natsConnectOptions } from '../nats/nats-connect-options';

/** Request bodies above this are refused with 413 before any parsing or hashing work. */
export const BODY_LIMIT_BYTES = 64 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface CreateServiceOptions extends PlatformOptions {
  logger?: LoggerService | false;
}

/**
 * Builds a hybrid service: Fastify HTTP plus a NATS microservice in a queue group named after
 * the service, sharing one validation pipe and one error filter (`inheritAppConfig`), so a
 * handler behaves the same whichever transport reached it.
 */
export async function createService(module: unknown, options: CreateServiceOptions): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    // Keep a caller's correlation id when it is sane; otherwise make one up.
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
  const logger =
    options.logger ??
    new ConsoleLogger(options.serviceName, {
      json: options.jsonLogs ?? false,
      colors: !options.jsonLogs,
      ...(options.logLevels ? { logLevels: options.logLevels } : {}),
    });
  const app = await NestFactory.create<NestFastifyApplication>(module as never, adapter, {
    logger,
    bufferLogs: false,
    // Let the caller (runMain, a test) see the boot error instead of Nest exiting the process.
    abortOnError: false,
  });
  const docs = options.docsEnabled !== false;
  if (docs) {
    // Before helmet: the /docs pages get a CSP of their own (see useDocsContentSecurityPolicy).
    useDocsContentSecurityPolicy(app.getHttpAdapter().getInstance());
  }
  // Security headers on every response (HSTS, nosniff, frame-ancestors, no referrer...).
  await app.register(helmet as never);
  // Parses the Cookie header (refresh cookie in auth, optional access-token cookie anywhere).
  // Unsigned: every cookie Tessera reads holds a token that is verified on its own.
  await app.register(fastifyCookie as never);
  // JSON only: a body in any other media type is a 415, not a string handed to validation.
  app.getHttpAdapter().getInstance().removeContentTypeParser(['text/plain']);
  app.useGlobalPipes(
    new ValidationPipe({
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
