import 'reflect-metadata';

import path from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';

import { format, resolveConfig } from 'prettier';

import { BenchContext, type BenchOptions, SkipScenario } from './harness/context';
import { machineInfo } from './harness/machine';
import { canPin, LOAD_CPUS, pinSelf } from './harness/processes';
import { type Report, type Row, type Skipped, table, writeReport } from './harness/report';
import { freshTokenScenario, guardScenario } from './scenarios/guard';
import { loginScenario } from './scenarios/login';
import { noiseScenario } from './scenarios/noise';
import { natsScenario } from './scenarios/nats';
import { revocationScenario } from './scenarios/revocation';
import type { Scenario } from './scenarios/scenario';
import { sessionScenario } from './scenarios/session';
import { startupScenario } from './scenarios/startup';
import { verifierScenario } from './scenarios/verifier';

const ROOT = path.resolve(__dirname, '../../../..');
const RESULTS = path.join(ROOT, 'bench/results');
const DATABASE_URL =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Run order: in-process first (no servers around), the bench service's scenarios, then the
 * cluster's, start-up last so its memory figures come after the load. The table is by number.
 */
const SCENARIOS: Scenario[] = [
  verifierScenario,
  noiseScenario,
  guardScenario,
  freshTokenScenario,
  natsScenario,
  sessionScenario,
  loginScenario,
  revocationScenario,
  startupScenario,
];
/** No scenario may run longer than this, whatever happens (the bench always stops by itself). */
const SCENARIO_TIMEOUT_MS = 5 * 60_000;

const USAGE = `npm run bench [-- [options] [scenario...]]

Scenarios (default: all): ${[...SCENARIOS]
  .sort((x, y) => x.id - y.id)
  .map((s) => `${s.id} ${s.name}`)
  .join(', ')}

Options:
  --duration <s>     seconds per measured window, each side, each round (default 1.5)
  --rounds <n>       alternating rounds per comparison (default 8)
  --quick            --duration 1 --rounds 3, 1 s warm-up, 50 logouts (about a third of the time)
  --connections <n>  HTTP connections (default 50)
  --logouts <n>      logouts timed in scenario 6 (default 200)
  --no-pin           do not pin servers and load generator to separate cores
  --pglite           apps on embedded PGlite even when PostgreSQL answers (default: PostgreSQL at
                     BENCH_DATABASE_URL, else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres)
  --cpu-prof         run the servers under node --cpu-prof; profiles go to bench/results/profiles/
                     (profile the in-process scenario with: node --cpu-prof dist/bench/bench/src/main.js verifier)
  --help`;

/** A mistake on the command line: said in one line, with the usage, no stack. */
class UsageError extends Error {}

function parseOptions(): { options: BenchOptions; selected: Scenario[] } | undefined {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      duration: { type: 'string' },
      rounds: { type: 'string' },
      quick: { type: 'boolean', default: false },
      connections: { type: 'string' },
      logouts: { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      pglite: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return undefined;
  }
  const number = (value: string | undefined, fallback: number, name: string) => {
    const n = value === undefined ? fallback : Number(value);
    if (!Number.isFinite(n) || n <= 0) {
      throw new UsageError(`--${name} must be a positive number`);
    }
    return n;
  };
  const quick = values.quick;
  const options: BenchOptions = {
    durationSeconds: number(values.duration, quick ? 1 : 1.5, 'duration'),
    rounds: Math.round(number(values.rounds, quick ? 3 : 8, 'rounds')),
    warmupSeconds: quick ? 1 : 2,
    connections: Math.round(number(values.connections, 50, 'connections')),
    logouts: Math.round(number(values.logouts, quick ? 50 : 200, 'logouts')),
    pin: !values['no-pin'] && canPin(),
    ...(values.pglite ? {} : { databaseUrl: DATABASE_URL }),
    ...(values['cpu-prof']
      ? { profileDir: path.join(RESULTS, 'profiles', new Date().toISOString().replace(/[:.]/g, '-')) }
      : {}),
  };
  const selected = positionals.length
    ? positionals.map((p) => {
        const found = SCENARIOS.find((s) => s.name === p || String(s.id) === p);
        if (!found) {
          throw new UsageError(`unknown scenario "${p}"`);
        }
        return found;
      })
    : SCENARIOS;
  return { options, selected: SCENARIOS.filter((s) => selected.includes(s)) };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function prettier(text: string, file: string): Promise<string> {
  return format(text, { ...(await resolveConfig(file)), filepath: file });
}

async function main(): Promise<number> {
  const parsed = parseOptions();
  if (!parsed) {
    return 0;
  }
  const { options, selected } = parsed;
  const machine = machineInfo();
  const startedAt = new Date().toISOString();
  const ctx = new BenchContext(ROOT, options);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      return;
    }
    stopping = true;
    process.stderr.write(`\n[bench] ${signal}: stopping what this run started...\n`);
    void ctx.close().finally(() => process.exit(130));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (options.pin) {
    pinSelf(LOAD_CPUS);
  }
  process.stderr.write(
    `[bench] ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, ` +
      `${options.pin ? 'servers pinned to one core, load generator to the other' : 'no CPU pinning'}; ` +
      `NATS namespace ${ctx.namespace}\n`,
  );
  const rows: Row[] = [];
  const skipped: Skipped[] = [];
  let processes: Report['processes'] = [];
  const nats = selected.some((s) => !s.inProcess) && (await ctx.natsAnswers());
  if (!nats && selected.some((s) => !s.inProcess)) {
    process.stderr.write(
      `[bench] no NATS server answers at ${ctx.natsUrl}: only the in-process scenario can run. Start one ` +
        '(nats-server -js, or `npm start`, which starts one when installed) or set NATS_URL.\n',
    );
  }
  try {
    for (const scenario of selected) {
      if (!scenario.inProcess && !nats) {
        skipped.push({ scenario: `${scenario.id} ${scenario.name}`, reason: `no NATS server at ${ctx.natsUrl}` });
        continue;
      }
      const started = Date.now();
      process.stderr.write(`[bench] ${scenario.id} ${scenario.name}: ${scenario.title}...\n`);
      try {
        rows.push(...(await withTimeout(scenario.run(ctx), SCENARIO_TIMEOUT_MS, scenario.name)));
        process.stderr.write(`[bench] ${scenario.name} done in ${Math.round((Date.now() - started) / 1000)} s\n`);
      } catch (e) {
        const reason = e instanceof SkipScenario ? e.message : `failed: ${e instanceof Error ? e.message : String(e)}`;
        process.stderr.write(`[bench] ${scenario.name} ${reason}\n`);
        skipped.push({ scenario: `${scenario.id} ${scenario.name}`, reason: reason.split('\n')[0] ?? reason });
      }
    }
  } finally {
    processes = ctx.registry.processes
      .filter((p) => p.readyAfterMs !== undefined)
      .map((p) => ({
        name: p.name,
        readyAfterMs: p.readyAfterMs,
        rssAtReadyMb: p.rssAtReadyMb,
        rssAtEndMb: p.rssMb(),
      }));
    await ctx.close();
  }
  rows.sort((x, y) => Number.parseInt(x.scenario, 10) - Number.parseInt(y.scenario, 10));
  const report: Report = {
    machine,
    startedAt,
    finishedAt: new Date().toISOString(),
    // Never the database URL: it may carry a password.
    options: { ...options, databaseUrl: undefined, database: ctx.database },
    scenarios: selected.map((s) => s.name),
    rows,
    skipped,
    processes,
    loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
  };
  const file = await writeReport(RESULTS, report, selected.length === SCENARIOS.length, prettier);
  process.stdout.write(
    `\n${table(rows, skipped)}\n\n${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, ` +
      `commit ${machine.commit.slice(0, 10)}${machine.dirty ? ' (+ local changes)' : ''}` +
      `${ctx.database ? `, apps on ${ctx.database}` : ''}. Results: ${path.relative(ROOT, file)}\n`,
  );
  return skipped.some((s) => s.reason.startsWith('failed')) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError || (e instanceof Error && 'code' in e && e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')) {
      process.stderr.write(`[bench] ${e.message}\n\n${USAGE}\n`);
    } else {
      process.stderr.write(`[bench] ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    }
    process.exit(1);
  },
);
