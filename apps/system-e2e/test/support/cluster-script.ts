import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

const root = path.resolve(__dirname, '../../../..');
const script = path.join(root, 'scripts/cluster.mjs');

/** One process of the cluster, as `scripts/cluster.mjs --json` reports it. */
export interface ClusterProcess {
  name: string;
  kind: 'nats' | 'app';
  pid: number | null;
  running: boolean;
  url: string;
  port: number;
  /** Apps: auth, orders or profile. */
  app?: string;
  /** NATS nodes. */
  serverName?: string;
  routePort?: number;
  monitorPort?: number;
  monitorUrl?: string;
  storeDir?: string;
}

/** The `cluster-ready` line. */
export interface ClusterInfo {
  pid: number;
  dataDir: string;
  temporaryDataDir: boolean;
  namespace: string | null;
  natsUrl: string;
  replicas: number;
  processes: ClusterProcess[];
  databases: { app: string; kind: 'pglite' | 'postgres'; url?: string; dir?: string }[];
}

interface ClusterEvent {
  event: string;
  name?: string;
  pid?: number;
  message?: string;
  [key: string]: unknown;
}

/**
 * Drives the real `npm run cluster` (scripts/cluster.mjs --json --free-ports --no-build) as a
 * user or a CI job would: reads its JSON lines, kills processes by the pids it reports, and asks
 * it over its standard input to start a killed process again with the same arguments.
 */
export class ClusterScript {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private readonly listeners = new Set<(e: ClusterEvent) => void>();
  private readonly output: string[] = [];
  private readonly state = new Map<string, ClusterProcess>();
  /** Every pid the cluster ever reported, with its process: the last resort if the script is gone. */
  private readonly pids = new Map<number, string>();
  info?: ClusterInfo;

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  async start(timeoutMs = 180_000): Promise<ClusterInfo> {
    const child = spawn(process.execPath, [script, '--json', '--free-ports', '--no-build'], {
      cwd: root,
      env: this.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    createInterface({ input: child.stderr }).on('line', (line) => {
      this.output.push(line);
      if (this.output.length > 400) {
        this.output.shift();
      }
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      let event: ClusterEvent;
      try {
        event = JSON.parse(line) as ClusterEvent;
      } catch {
        this.output.push(`(not JSON on stdout) ${line}`);
        return;
      }
      this.track(event);
      this.listeners.forEach((listener) => listener(event));
    });
    const ready = this.next((e) => e.event === 'cluster-ready' || (e.event === 'error' && !e.name), timeoutMs);
    const gone = this.exited.then(() => {
      throw new Error(`scripts/cluster.mjs exited while starting:\n${this.logTail()}`);
    });
    const first = await Promise.race([ready, gone]);
    if (first.event === 'error') {
      throw new Error(`scripts/cluster.mjs failed: ${first.message}\n${this.logTail()}`);
    }
    this.info = first as unknown as ClusterInfo;
    return this.info;
  }

  private track(event: ClusterEvent): void {
    if (event.event === 'cluster-ready') {
      for (const p of (event as unknown as ClusterInfo).processes) {
        this.state.set(p.name, { ...p });
        if (p.pid) {
          this.pids.set(p.pid, p.name);
        }
      }
      return;
    }
    const known = event.name ? this.state.get(event.name) : undefined;
    if (event.pid && event.name) {
      this.pids.set(event.pid, event.name);
    }
    if (!known) {
      return;
    }
    if (event.event === 'started' || event.event === 'ready') {
      known.pid = event.pid ?? null;
      known.running = true;
    } else if (event.event === 'exited' && event.pid === known.pid) {
      known.running = false;
    }
  }

  /** The next event matching `match`, within `timeoutMs`. */
  next(match: (e: ClusterEvent) => boolean, timeoutMs: number): Promise<ClusterEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`no matching event from scripts/cluster.mjs within ${timeoutMs} ms:\n${this.logTail()}`));
      }, timeoutMs);
      const listener = (e: ClusterEvent) => {
        if (match(e)) {
          clearTimeout(timer);
          this.listeners.delete(listener);
          resolve(e);
        }
      };
      this.listeners.add(listener);
    });
  }

  process(name: string): ClusterProcess {
    const p = this.state.get(name);
    if (!p) {
      throw new Error(`the cluster has no process ${name}`);
    }
    return p;
  }

  url(name: string): string {
    return this.process(name).url;
  }

  running(name: string): boolean {
    return this.process(name).running;
  }

  /** Sends `signal` to the process's pid and resolves once the cluster saw it exit. */
  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const p = this.process(name);
    if (!p.running || !p.pid) {
      return;
    }
    const pid = p.pid;
    const exited = this.next((e) => e.event === 'exited' && e.pid === pid, 30_000);
    process.kill(pid, signal);
    await exited;
  }

  /** Starts again, one after the other, whichever of `names` is stopped. */
  async ensureRunning(...names: string[]): Promise<void> {
    for (const name of names.filter((n) => !this.running(n))) {
      await this.restart(name);
    }
  }

  /** Asks the cluster to start a stopped process again (same arguments) and waits until it is ready. */
  async restart(name: string, timeoutMs = 150_000): Promise<void> {
    if (this.running(name)) {
      return;
    }
    const done = this.next((e) => (e.event === 'ready' || e.event === 'error') && e.name === name, timeoutMs);
    this.child?.stdin?.write(`start ${name}\n`);
    const result = await done;
    if (result.event === 'error') {
      throw new Error(`start ${name} failed: ${result.message}`);
    }
  }

  /**
   * Stops the cluster with SIGTERM, as Ctrl-C would, and waits for it (SIGKILL after a minute).
   * If anything it started is still alive after that, kills it by pid and says so.
   */
  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await this.exited;
      clearTimeout(timer);
    }
    const left = this.leftovers();
    for (const pid of left) {
      process.kill(pid, 'SIGKILL');
    }
    if (this.info?.temporaryDataDir) {
      rmSync(this.info.dataDir, { recursive: true, force: true });
    }
    if (left.length > 0) {
      throw new Error(`scripts/cluster.mjs left pids ${left.join(', ')} running (killed now):\n${this.logTail()}`);
    }
  }

  /**
   * Pids the cluster reported that still run what it started (checked in /proc, so a pid the
   * system has reused for something else since is never counted, nor killed).
   */
  leftovers(): number[] {
    return [...this.pids].filter(([pid, name]) => this.stillOurs(pid, this.process(name))).map(([pid]) => pid);
  }

  private stillOurs(pid: number, p: ClusterProcess): boolean {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return p.kind === 'nats'
        ? cmdline.includes('nats-server') && cmdline.includes(p.storeDir ?? '\0')
        : cmdline.includes(`dist/${p.app}/apps/${p.app}/src/main.js`);
    } catch {
      return false; // gone (or no /proc to tell)
    }
  }

  logTail(lines = 60): string {
    return this.output.slice(-lines).join('\n');
  }
}
