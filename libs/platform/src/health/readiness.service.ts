import { Injectable } from '@nestjs/common';

/**
 * What a readiness check answers (quickly, never throwing): `true`; `{ degraded }` when the
 * service still serves but something is off (NATS away, last known keys and revocations in
 * use); or a string saying why it is not ready.
 */
export type ReadinessResult = true | string | { degraded: string };
export type ReadinessCheck = () => Promise<ReadinessResult> | ReadinessResult;

/**
 * Components register what they need before the service can take traffic (NATS connected,
 * database answering, public keys loaded); `/health/ready` runs them all.
 */
@Injectable()
export class ReadinessService {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  async evaluate(): Promise<{ ready: boolean; checks: Record<string, ReadinessResult> }> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]): Promise<[string, ReadinessResult]> => {
        try {
          return [name, await check()];
        } catch {
          return [name, 'check failed'];
        }
      }),
    );
    return { ready: entries.every(([, r]) => typeof r !== 'string'), checks: Object.fromEntries(entries) };
  }
}
