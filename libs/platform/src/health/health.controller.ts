import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { Public } from '../public.decorator';
import { ReadinessService } from './readiness.service';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly readiness: ReadinessService,
  ) {}

  /** Liveness: the process answers. Never depends on NATS or the database. */
  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers', description: 'Depends on nothing else.' })
  @ApiOkResponse({
    schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } },
  })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  // @HealthCheck() documents the 200 and 503 bodies (Terminus' report).
  @ApiOperation({
    summary: 'Readiness: NATS, the database and the verification state are there',
    description:
      '200 when ready, also while degraded (NATS away, serving from the last known state, the reason shown); ' +
      '503 when a check is down, named under `error`.',
  })
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const { checks } = await this.readiness.evaluate();
    const indicators = Object.entries(checks).map(([name, result]) => (): HealthIndicatorResult => {
      const session = this.indicators.check(name);
      if (result === true) {
        return session.up();
      }
      // Degraded still serves (up), with the reason shown; a string means not ready.
      return typeof result === 'string' ? session.down({ reason: result }) : session.up({ degraded: result.degraded });
    });
    try {
      return await this.health.check(indicators);
    } catch (e) {
      if (e instanceof ServiceUnavailableException) {
        void reply.status(503);
        return e.getResponse();
      }
      throw e;
    }
  }
}
