import { Injectable } from '@nestjs/common';

/** A readiness check answers quickly and never throws: `true`, or why it is not ready. */
export type ReadinessCheck = () => Promise<true | string> | true | string;

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

  async evaluate(): Promise<{ ready: boolean; checks: Record<string, true | string> }> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]): Promise<[string, true | string]> => {
        try {
          return [name, await check()];
        } catch {
          return [name, 'check failed'];
        }
      }),
    );
    return { ready: entries.every(([, r]) => r === true), checks: Object.fromEntries(entries) };
  }
}
