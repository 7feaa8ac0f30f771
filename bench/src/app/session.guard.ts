import type { CanActivate, ExecutionContext, OnModuleDestroy } from '@nestjs/common';
import { Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IS_PUBLIC_KEY, TesseraError } from '@tessera/platform';
import type { FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';

import { BenchAppConfig } from './bench-app.config';

/** A stored session: what a session guard would attach instead of a verified token's claims. */
export interface StoredSession {
  sub: string;
  roles: string[];
  /** Seconds since the epoch. */
  exp: number;
}

const BEARER = /^Bearer +(\S+) *$/i;
const sessions = new WeakMap<object, StoredSession>();

/**
 * The usual alternative to a JWT (scenario 7): an opaque session id in the Authorization header,
 * looked up in Redis on every request. Written the way a team would write it: one shared
 * connection (ioredis pipelines concurrent GETs on it), JSON value, expiry checked.
 */
@Injectable()
export class RedisSessionGuard implements CanActivate, OnModuleDestroy {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(
    private readonly reflector: Reflector,
    @Inject(BenchAppConfig) config: BenchAppConfig,
  ) {
    this.redis = new Redis(config.BENCH_REDIS_URL, { maxRetriesPerRequest: 1 });
    this.prefix = config.BENCH_SESSION_PREFIX;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [context.getHandler(), context.getClass()])) {
      return true;
    }
    if (context.getType() !== 'http') {
      return false;
    }
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const id = BEARER.exec(request.headers.authorization ?? '')?.[1];
    const raw = id ? await this.redis.get(`${this.prefix}${id}`) : null;
    const session = raw ? (JSON.parse(raw) as StoredSession) : undefined;
    if (!session || session.exp <= Date.now() / 1000) {
      throw new TesseraError('invalid_session', 401, 'The session is missing, unknown or expired.', {
        'WWW-Authenticate': 'Bearer error="invalid_token"',
      });
    }
    sessions.set(request, session);
    return true;
  }

  async onModuleDestroy(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}
