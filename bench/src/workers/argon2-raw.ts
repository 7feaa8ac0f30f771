import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import { argon2id, hash, verify } from 'argon2';

// Scenario 5's baseline, in a process of its own like the auth server (same core when pinning,
// same libuv thread pool): argon2id verifications of one stored hash, `concurrency` at a time,
// for `seconds`. Prints {count, seconds, latencies, cpuMs} as JSON (CPU of every thread).
interface Args {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
  concurrency: number;
  seconds: number;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as Args;
  const password = randomBytes(12).toString('base64url');
  const stored = await hash(password, {
    type: argon2id,
    memoryCost: args.memoryCost,
    timeCost: args.timeCost,
    parallelism: args.parallelism,
  });
  const latencies: number[] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + args.seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const sent = performance.now();
      if (!(await verify(stored, password.normalize('NFKC')))) {
        throw new Error('argon2 verification failed');
      }
      latencies.push(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: args.concurrency }, loop));
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  process.stdout.write(JSON.stringify({ count: latencies.length, seconds, latencies, cpuMs }));
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
