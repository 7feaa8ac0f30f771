import { IsIn, IsInt, IsString, Max, Min } from 'class-validator';
import { VerifyingServiceConfig } from '@tessera/auth';
import { loadConfig } from '@tessera/platform';

/** What guards the bench service: Tessera's AccessTokenGuard, nothing, or a Redis session lookup. */
export const BENCH_GUARDS = ['tessera', 'none', 'session'] as const;
export type BenchGuard = (typeof BENCH_GUARDS)[number];

/** The bench service's settings: a verifying service's, plus which guard it runs. */
export class BenchAppConfig extends VerifyingServiceConfig {
  @IsInt()
  @Min(0)
  @Max(65535)
  override PORT: number = 0;

  @IsIn(BENCH_GUARDS)
  BENCH_GUARD: BenchGuard = 'tessera';

  /** Where the session guard looks sessions up (scenario 7). */
  @IsString()
  BENCH_REDIS_URL = 'redis://127.0.0.1:6379';

  /** Prefix of this run's session keys, so runs sharing a Redis never see each other's. */
  @IsString()
  BENCH_SESSION_PREFIX = 'tessera-bench:';
}

export function loadBenchAppConfig(env: Record<string, string | undefined> = process.env): BenchAppConfig {
  return loadConfig(BenchAppConfig, env);
}
