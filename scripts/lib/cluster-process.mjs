// One process `npm run cluster` runs (a nats-server node or an app instance): started, stopped
// and started again with the same command, environment and ports; its output goes through
// `onLine`, its last lines are kept for the report when it dies.
import { spawn } from 'node:child_process';

import { pipeLines, signalPid } from './child-processes.mjs';

const TAIL_LINES = 40;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class ManagedProcess {
  /**
   * @param {object} spec
   * @param {string} spec.name       nats-1, auth, orders-2, ...
   * @param {'nats'|'app'} spec.kind
   * @param {string} spec.command
   * @param {string[]} spec.args
   * @param {Record<string, string>} spec.env
   * @param {string} spec.cwd
   * @param {object} spec.info       what the JSON line and the table report (ports, URLs)
   * @param {(proc: ManagedProcess, line: string) => void} spec.onLine
   * @param {(proc: ManagedProcess, exit: {code: number|null, signal: string|null, pid: number}, expected: boolean) => void} spec.onExit
   */
  constructor(spec) {
    Object.assign(this, spec);
    this.child = null;
    this.tail = [];
    this.exit = null;
    this.exited = Promise.resolve(null);
    this.expectingExit = false;
  }

  get pid() {
    return this.running ? this.child.pid : undefined;
  }

  get running() {
    return this.child !== null && this.exit === null;
  }

  start() {
    if (this.running) {
      throw new Error(`${this.name} is already running (pid ${this.child.pid})`);
    }
    this.expectingExit = false;
    this.exit = null;
    // Own process group: a Ctrl-C in the terminal reaches the cluster script alone, which then
    // stops the apps before the NATS nodes they are connected to.
    const child = spawn(this.command, this.args, {
      cwd: this.cwd,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    const onLine = (line) => {
      this.tail.push(line);
      if (this.tail.length > TAIL_LINES) {
        this.tail.shift();
      }
      this.onLine(this, line);
    };
    pipeLines(child.stdout, onLine);
    pipeLines(child.stderr, onLine);
    this.exited = new Promise((resolve) => {
      let spawnError = null;
      child.on('error', (err) => {
        spawnError = err;
        onLine(`could not start ${this.command}: ${err.message}`);
      });
      // 'close' comes after the last output line has been read.
      child.on('close', (code, signal) => {
        const exit = { code: spawnError ? 127 : code, signal, pid: child.pid };
        this.exit = exit;
        resolve(exit);
        this.onExit(this, exit, this.expectingExit);
      });
    });
    return child.pid;
  }

  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves once the process is gone. */
  async stop(timeoutMs = 10_000) {
    if (!this.running) {
      return this.exit;
    }
    this.expectingExit = true;
    const pid = this.child.pid;
    signalPid(pid, 'SIGTERM');
    const exit = await Promise.race([this.exited, sleep(timeoutMs).then(() => null)]);
    if (exit) {
      return exit;
    }
    signalPid(pid, 'SIGKILL');
    return this.exited;
  }

  /** Last resort (second Ctrl-C, process exit): no waiting. */
  killNow() {
    if (this.running) {
      this.expectingExit = true;
      signalPid(this.child.pid, 'SIGKILL');
    }
  }
}
