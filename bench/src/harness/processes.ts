import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

/** The CPU servers run on when pinning; the load generator (this process) takes CPU 0. */
export const SERVER_CPU = 1;
export const LOAD_CPUS = '0';
export const ALL_CPUS = '0-1';
/** USER_HZ: what /proc counts CPU time in (100 on every Linux this runs on). */
const CLOCK_TICKS = 100;

export function canPin(): boolean {
  return process.platform === 'linux' && existsSync('/usr/bin/taskset');
}

/** Sets this process's affinity (every thread), e.g. so the load generator stays off the server's core. */
export function pinSelf(cpus: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' });
}

/** One process this run started, and only ever stopped by its own pid. */
export class ManagedProcess {
  private readonly lines: string[] = [];
  readonly startedAt = performance.now();
  readyAfterMs?: number;
  rssAtReadyMb?: number;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly url?: string,
    /** Profiled: stopped with SIGUSR2 (see workers/exit-on-usr2.ts) so the profile is written. */
    private readonly profiled = false,
  ) {
    const keep = (b: Buffer) => {
      this.lines.push(...b.toString().split('\n'));
      this.lines.splice(0, Math.max(0, this.lines.length - 80));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  output(): string {
    return this.lines.join('\n');
  }

  /** Resident set size from /proc (Linux), in MB. */
  rssMb(): number | undefined {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
      return kb ? Number(kb) / 1024 : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * CPU time this process has used, user + system, every thread (Linux /proc, 10 ms ticks).
   * Less sensitive to other load on a shared machine than throughput is.
   */
  cpuMs(): number | undefined {
    try {
      const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Fields 14 and 15 of proc(5), counted from the state (field 3) here.
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
    } catch {
      return undefined;
    }
  }

  /** Polls `GET /health/ready` until 200; records the time from spawn to ready. */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) {
        throw new Error(`${this.name} exited (${this.child.exitCode ?? this.child.signalCode}):\n${this.output()}`);
      }
      const ready = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) {
        this.readyAfterMs = performance.now() - this.startedAt;
        this.rssAtReadyMb = this.rssMb();
        return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`${this.name} was not ready within ${timeoutMs / 1000} s:\n${this.output()}`);
  }

  async stop(): Promise<void> {
    if (!this.running) {
      return;
    }
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill(this.profiled ? 'SIGUSR2' : 'SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 8000);
    await exited;
    clearTimeout(timer);
  }
}

/** Everything the bench started, stopped by pid on the way out, however the run ends. */
export class ProcessRegistry {
  private readonly all: ManagedProcess[] = [];
  private started = 0;

  constructor(
    private readonly pin: boolean,
    /** Set: servers run under --cpu-prof and write their profiles here. */
    private readonly profileDir?: string,
  ) {
    // Last resort (an exception past every finally): nothing we started outlives us.
    process.once('exit', () => {
      for (const p of this.all) {
        if (p.running) {
          p.child.kill('SIGKILL');
        }
      }
    });
  }

  get processes(): readonly ManagedProcess[] {
    return this.all;
  }

  /** Starts `node <script>`, on the server core when pinning. */
  start(name: string, script: string, env: Record<string, string>, url?: string, args: string[] = []): ManagedProcess {
    const profile = this.profileDir
      ? [
          '-r',
          path.join(__dirname, '../workers/exit-on-usr2.js'),
          '--cpu-prof',
          `--cpu-prof-dir=${this.profileDir}`,
          `--cpu-prof-name=${name.replace(/[^A-Za-z0-9]+/g, '-')}-${++this.started}.cpuprofile`,
        ]
      : [];
    const node = [process.execPath, ...profile, script, ...args];
    const [command, ...argv] = this.pin ? ['taskset', '-c', String(SERVER_CPU), ...node] : node;
    const child = spawn(command ?? process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const managed = new ManagedProcess(name, child, url, this.profileDir !== undefined);
    this.all.push(managed);
    return managed;
  }

  /** Runs `node <script> <args>` to completion (on the server core when pinning) and returns its stdout. */
  async runToCompletion(name: string, script: string, args: string[], timeoutMs: number): Promise<string> {
    const managed = this.start(name, script, { PATH: process.env.PATH ?? '' }, undefined, args);
    let stdout = '';
    managed.child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
    const timer = setTimeout(() => void managed.stop(), timeoutMs);
    const code = await new Promise<number | null>((resolve) => managed.child.once('exit', resolve));
    clearTimeout(timer);
    if (code !== 0) {
      throw new Error(`${name} failed (${code}):\n${managed.output()}`);
    }
    return stdout;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.all.map((p) => p.stop()));
  }
}
