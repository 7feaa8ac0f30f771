#!/usr/bin/env node
// `npm run cluster`: the production topology as plain processes on loopback, without Docker. A
// three-node NATS JetStream cluster, one auth, two orders and two profile instances, each app's
// instances sharing one database (PostgreSQL when its URL is set, else a PGlite served from this
// process). Prints where everything listens (`--json`: one JSON line); reports a process that
// dies and keeps the rest running; Ctrl-C or SIGTERM stops everything it started, by pid.
// `npm run cluster -- --help` describes the flags and the commands it reads from a pipe.
import { randomBytes } from 'node:crypto';
import { existsSync, fstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

import { CLUSTER_NAME, natsNodes, waitNatsNodeHealthy } from './lib/cluster-nats.mjs';
import { instanceName, parseClusterOptions, PORT_GROUPS, resolvePorts, SERVICES } from './lib/cluster-options.mjs';
import { startPgliteServer } from './lib/cluster-pglite.mjs';
import { onStopSignals } from './lib/child-processes.mjs';
import { ManagedProcess } from './lib/cluster-process.mjs';
import { runBuild } from './lib/nx-build.mjs';
import { waitHttpReady } from './lib/wait-ready.mjs';
import { findNatsServer } from './lib/nats.mjs';
import { WALKTHROUGH } from './lib/walkthrough.mjs';
import { clientSecretVariable, ownVariable } from './lib/services.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const APPS = SERVICES.map((s) => s.name);
const READY_TIMEOUT_MS = 120_000;
const NATS_READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

const options = parseClusterOptions(process.argv.slice(2));
// With --json, stdout is the machine-readable channel: everything for humans goes to stderr.
const human = options.json ? process.stderr : process.stdout;
const color = human.isTTY && !process.env.NO_COLOR;
const paint = (code, text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const COLORS = { nats: 34, auth: 36, orders: 35, profile: 33, pglite: 90, cluster: 32 };
const prefix = (name) => paint(COLORS[name.split('-')[0]] ?? 37, `[${name}]`.padEnd(12));
const say = (msg) => human.write(`${prefix('cluster')}${msg}\n`);
const warn = (msg) => process.stderr.write(`${prefix('cluster')}${msg}\n`);
// A reader that went away (a test that crashed) must not crash the cluster before it has stopped
// what it started.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);
const emit = (event) => {
  if (options.json) {
    process.stdout.write(`${JSON.stringify(event)}\n`);
  }
};

/** @type {ManagedProcess[]} in start order: NATS nodes, then the apps */
const processes = [];
const pgliteServers = [];
let phase = 'starting'; // starting | running | stopping
let shuttingDown = null;
let dataDir;
let temporaryDataDir = false;
let lockFile;

// ---------------------------------------------------------------- stopping

onStopSignals({
  stopping: () => shuttingDown !== null,
  stop: (signal) => {
    human.write('\n');
    say(`${signal} received, stopping`);
    void shutdown(0);
  },
  killNow: () => {
    warn('second signal: killing what is left');
    processes.forEach((p) => p.killNow());
  },
});
// Whatever happens to this script, nothing it started outlives it, nor its temporary directory.
process.on('exit', () => {
  processes.forEach((p) => p.killNow());
  if (temporaryDataDir && dataDir) {
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (lockFile) {
    rmSync(lockFile, { force: true });
  }
});

function shutdown(code) {
  shuttingDown ??= (async () => {
    phase = 'stopping';
    const stopAll = (list) => Promise.all(list.map((p) => p.stop(STOP_TIMEOUT_MS)));
    // Apps first, so none of them sees its NATS or database vanish while still serving.
    await stopAll(processes.filter((p) => p.kind === 'app'));
    for (const server of pgliteServers) {
      await server.stop().catch((err) => warn(`PGlite of ${server.app}: ${err.message}`));
    }
    await stopAll(processes.filter((p) => p.kind === 'nats'));
    if (lockFile) {
      rmSync(lockFile, { force: true });
    }
    if (temporaryDataDir && dataDir) {
      rmSync(dataDir, { recursive: true, force: true });
      say(`removed ${dataDir}`);
    }
    say(code === 0 ? 'stopped' : 'stopped after an error');
    process.exit(code);
  })();
  return shuttingDown;
}

async function fail(message, code = 1) {
  if (!shuttingDown) {
    warn(paint(31, message));
    emit({ event: 'error', message });
  }
  await shutdown(code);
}

// ---------------------------------------------------------------- processes

function tailOf(proc, lines = 20) {
  return proc.tail
    .slice(-lines)
    .map((l) => `    ${l}`)
    .join('\n');
}

function describeExit({ code, signal }) {
  return signal ?? `exit code ${code}`;
}

function onExit(proc, exit, expected) {
  if (phase === 'stopping') {
    return;
  }
  emit({ event: 'exited', name: proc.name, pid: exit.pid, code: exit.code, signal: exit.signal, expected });
  if (expected) {
    say(`${proc.name} (pid ${exit.pid}) stopped`);
    return;
  }
  if (phase === 'starting') {
    void fail(
      `${proc.name} exited while the cluster was starting (${describeExit(exit)}). Its last lines:\n${tailOf(proc)}`,
    );
    return;
  }
  warn(
    paint(
      31,
      `${proc.name} (pid ${exit.pid}) exited unexpectedly (${describeExit(exit)}); the others keep running` +
        ` ("start ${proc.name}" on a control pipe, or a restart of the cluster, brings it back). Its last lines:\n${tailOf(proc)}`,
    ),
  );
}

function managed(spec) {
  const proc = new ManagedProcess({
    cwd: ROOT,
    ...spec,
    onLine: (p, line) => human.write(`${prefix(p.name)}${line}\n`),
    onExit,
  });
  processes.push(proc);
  return proc;
}

function byName(name) {
  return processes.find((p) => p.name === name);
}

function describe(proc) {
  return { name: proc.name, kind: proc.kind, pid: proc.pid ?? null, running: proc.running, ...proc.info };
}

async function waitAppReady(proc, timeoutMs = READY_TIMEOUT_MS) {
  const url = `${proc.info.url}/health/ready`;
  const result = await waitHttpReady(url, { timeoutMs, intervalMs: 250, gone: () => !proc.running });
  if (result.ready) {
    return;
  }
  if (result.gone) {
    throw new Error(
      `${proc.name} exited while starting (${describeExit(proc.exit)}). Its last lines:\n${tailOf(proc)}`,
    );
  }
  throw new Error(
    `${proc.name} was not ready within ${timeoutMs / 1000}s; GET ${url} last answered: ${result.last}. Its last lines:\n${tailOf(proc)}`,
  );
}

function waitReady(proc) {
  return proc.kind === 'nats'
    ? waitNatsNodeHealthy(proc.info, { timeoutMs: NATS_READY_TIMEOUT_MS, gone: () => !proc.running })
    : waitAppReady(proc);
}

/** Starts a process (again) and resolves once it is ready; JSON events `started` and `ready`. */
async function startAndWait(proc) {
  const pid = proc.start();
  emit({ event: 'started', name: proc.name, pid });
  await waitReady(proc);
  emit({ event: 'ready', name: proc.name, pid });
  return pid;
}

// ---------------------------------------------------------------- set-up

function portFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function busyPorts(ports) {
  const busy = [];
  for (const group of PORT_GROUPS) {
    for (const port of ports[group.key]) {
      if (!(await portFree(port))) {
        busy.push(`${port} (${group.what}, ${group.flag} / ${group.env})`);
      }
    }
  }
  return busy;
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** A kept data directory belongs to one cluster at a time (PGlite and NATS stores). */
function prepareDataDir() {
  if (!options.dataDir) {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-cluster-'));
    temporaryDataDir = true;
    return;
  }
  dataDir = path.resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, 'cluster.pid');
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (pid && pid !== process.pid && pidAlive(pid)) {
      throw new Error(
        `${dataDir} is in use by another \`npm run cluster\` (pid ${pid}); stop it or choose another --data-dir.`,
      );
    }
  }
  writeFileSync(file, `${process.pid}\n`);
  lockFile = file;
}

function secret() {
  return randomBytes(32).toString('base64url');
}

/** Each app's database: its *_DATABASE_URL, or a PGlite of this run served on loopback. */
async function databases() {
  const entries = await Promise.all(
    APPS.map(async (app) => {
      const variable = ownVariable(app, 'DATABASE_URL');
      if (process.env[variable]) {
        return { app, kind: 'postgres', url: process.env[variable], variable };
      }
      const server = await startPgliteServer({
        app,
        dir: path.join(dataDir, 'pglite', app),
        log: (msg) => human.write(`${prefix('pglite')}${app}: ${msg}\n`),
      });
      pgliteServers.push(server);
      human.write(`${prefix('pglite')}${app}: ${server.dir} served at ${server.url}\n`);
      return { app, kind: 'pglite', url: server.url, dir: server.dir, port: server.port, variable };
    }),
  );
  return Object.fromEntries(entries.map((db) => [db.app, db]));
}

function appEnvironments(ports, natsUrl, dbs) {
  const issuer = `http://127.0.0.1:${ports.authPort[0]}`;
  const clients = SERVICES.filter((s) => s.serviceClient);
  const secrets = Object.fromEntries(
    clients.map((s) => [s.name, process.env[clientSecretVariable(s.name)] || secret()]),
  );
  // A kept data directory keeps auth's signing keys, so auth keeps its development key-encryption
  // key beside them (AUTH_DATA_DIR/kek); a throw-away one gets a key of this run.
  const kek =
    process.env.AUTH_KEY_ENCRYPTION_KEY || (temporaryDataDir ? randomBytes(32).toString('base64') : undefined);
  const common = {
    ...process.env,
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    NATS_URL: natsUrl,
    NATS_REPLICAS: process.env.NATS_REPLICAS || '3',
    AUTH_ISSUER: issuer,
    AUTH_JWKS_URL: `${issuer}/.well-known/jwks.json`,
    ...(human.isTTY ? {} : { NO_COLOR: process.env.NO_COLOR ?? '1' }),
  };
  const own = (app) => ({
    [ownVariable(app, 'DATA_DIR')]: path.join(dataDir, app),
    [dbs[app].variable]: dbs[app].url,
  });
  return Object.fromEntries(
    SERVICES.map((s) => [
      s.name,
      s.name === 'auth'
        ? {
            ...common,
            ...s.env,
            ...own('auth'),
            ...(kek ? { AUTH_KEY_ENCRYPTION_KEY: kek } : {}),
            ...Object.fromEntries(clients.map((c) => [clientSecretVariable(c.name), secrets[c.name]])),
          }
        : {
            ...common,
            ...s.env,
            ...own(s.name),
            AUTH_TOKEN_URL: `${issuer}/oauth/token`,
            ...(s.serviceClient ? { SERVICE_CLIENT_SECRET: secrets[s.name] } : {}),
          },
    ]),
  );
}

// ---------------------------------------------------------------- reporting

function table() {
  const rows = processes.map((p) => {
    const where =
      p.kind === 'nats'
        ? `${p.info.url}  routes :${p.info.routePort}  monitor ${p.info.monitorUrl}  store ${p.info.storeDir}`
        : p.info.url;
    return `  ${p.name.padEnd(10)} ${String(p.pid ?? '-').padEnd(8)} ${p.running ? where : `${where}  (not running)`}`;
  });
  return [`  ${'process'.padEnd(10)} ${'pid'.padEnd(8)} listens at`, ...rows].join('\n');
}

function report(natsUrl, dbs, replicas) {
  const info = {
    event: 'cluster-ready',
    pid: process.pid,
    dataDir,
    temporaryDataDir,
    namespace: process.env.NATS_NAMESPACE || null,
    natsUrl,
    replicas,
    processes: processes.map(describe),
    // URLs of PostgreSQL databases are the caller's own (and may hold a password): not repeated.
    databases: Object.values(dbs).map(({ app, kind, url, dir }) =>
      kind === 'pglite' ? { app, kind, url, dir } : { app, kind },
    ),
  };
  emit(info);
  const port = (name) => byName(name).info.port;
  const walkthrough = WALKTHROUGH.replaceAll('localhost:3001', `localhost:${port('auth')}`)
    .replaceAll('localhost:3002', `localhost:${port('orders-1')}`)
    .replaceAll('localhost:3003', `localhost:${port('profile-1')}`);
  human.write(
    [
      '',
      paint(1, 'The Tessera cluster is running. Ctrl-C stops it.'),
      table(),
      `  NATS_URL=${natsUrl}  (JetStream replicas ${replicas}${info.namespace ? `, namespace ${info.namespace}` : ''})`,
      ...Object.values(dbs).map((db) =>
        db.kind === 'pglite'
          ? `  ${db.app} database: PGlite ${db.dir}, served at ${db.url}`
          : `  ${db.app} database: PostgreSQL (${db.variable})`,
      ),
      `  data: ${dataDir}${temporaryDataDir ? ' (removed on stop)' : ' (kept)'}`,
      '',
      paint(1, 'Try it (bash, in another terminal):'),
      '',
      walkthrough,
      '',
    ].join('\n') + '\n',
  );
}

// ---------------------------------------------------------------- commands on a pipe

const COMMANDS = 'status | stop <name> | start <name> | restart <name>';

async function command(line) {
  const [verb, name, ...rest] = line.trim().split(/\s+/);
  if (!verb) {
    return;
  }
  const refuse = (message) => {
    warn(`${line.trim()}: ${message}`);
    emit({ event: 'error', command: line.trim(), name: name ?? null, message });
  };
  if (phase !== 'running') {
    refuse(phase === 'starting' ? 'the cluster is still starting' : 'the cluster is stopping');
    return;
  }
  if (verb === 'status' && !name) {
    emit({ event: 'status', processes: processes.map(describe) });
    human.write(`${table()}\n`);
    return;
  }
  if (!['stop', 'start', 'restart'].includes(verb) || !name || rest.length > 0) {
    refuse(`unknown command; commands: ${COMMANDS}`);
    return;
  }
  const proc = byName(name);
  if (!proc) {
    refuse(`no process ${name}; names: ${processes.map((p) => p.name).join(', ')}`);
    return;
  }
  try {
    if (verb === 'stop' || verb === 'restart') {
      await proc.stop(STOP_TIMEOUT_MS);
    }
    if (verb === 'start' || verb === 'restart') {
      if (proc.running) {
        refuse(`${name} is already running (pid ${proc.pid})`);
        return;
      }
      say(`starting ${name} again`);
      const pid = await startAndWait(proc);
      say(`${name} is ready again (pid ${pid})`);
    }
  } catch (err) {
    if (phase === 'running') {
      refuse(err.message);
    }
  }
}

/**
 * Commands come only from a pipe (a test, a script): reading a terminal would stop a cluster
 * run in the background (SIGTTIN). The pipe closing means whoever drove the cluster is gone.
 */
function listenForCommands() {
  let stat;
  try {
    stat = fstatSync(0);
  } catch {
    return;
  }
  if (!stat.isFIFO() && !stat.isSocket()) {
    return;
  }
  const lines = readline.createInterface({ input: process.stdin });
  lines.on('line', (line) => void command(line));
  lines.on('close', () => {
    if (!shuttingDown) {
      say('standard input closed: stopping');
      void shutdown(0);
    }
  });
}

// ---------------------------------------------------------------- main

async function main() {
  listenForCommands();
  const binary = findNatsServer();
  if (!binary) {
    await fail(
      [
        'nats-server is not installed (looked on PATH and in /usr/sbin, /usr/local/sbin, /usr/local/bin, /opt/homebrew/bin);',
        'npm run cluster starts three of them. Install it, then run it again:',
        '    sudo apt-get install nats-server        # Debian, Ubuntu',
        '    brew install nats-server                # macOS',
        '    or a release binary from https://github.com/nats-io/nats-server/releases on your PATH',
      ].join('\n'),
    );
    return;
  }
  const ports = await resolvePorts(options);
  const busy = await busyPorts(ports);
  if (busy.length > 0) {
    await fail(
      `in use already: ${busy.join('; ')}. Stop what listens there (another \`npm run cluster\`?), choose other ports, or use --free-ports.`,
    );
    return;
  }

  if (options.build) {
    // The build's own output is for humans: on stderr under --json.
    await runBuild({ root: ROOT, projects: APPS, say, stdio: ['ignore', options.json ? 2 : 'inherit', 'inherit'] });
  }
  const mains = Object.fromEntries(
    APPS.map((app) => [app, path.join(ROOT, 'dist', app, 'apps', app, 'src', 'main.js')]),
  );
  const missing = Object.values(mains).filter((file) => !existsSync(file));
  if (missing.length > 0) {
    throw new Error(
      `${missing.map((f) => path.relative(ROOT, f)).join(', ')} missing: build first (npx nx run-many -t build) or drop --no-build.`,
    );
  }
  if (shuttingDown) {
    return;
  }

  prepareDataDir();
  say(`data in ${dataDir}${temporaryDataDir ? ' (temporary)' : ''}`);
  const dbs = await databases();

  const nodes = natsNodes(ports, dataDir);
  const natsUrl = nodes.map((n) => n.url).join(',');
  for (const node of nodes) {
    const { args, ...info } = node;
    managed({ name: node.name, kind: 'nats', command: binary, args, env: { ...process.env }, info });
  }
  say(`starting ${nodes.length} NATS nodes (${binary}), cluster "${CLUSTER_NAME}"`);
  await Promise.all(processes.map((p) => startAndWait(p)));
  const leader = await waitNatsNodeHealthy(nodes[0], { timeoutMs: NATS_READY_TIMEOUT_MS });
  say(`NATS cluster ready, JetStream meta leader ${leader}`);

  const env = appEnvironments(ports, natsUrl, dbs);
  const instance = (app, name, port) =>
    managed({
      name,
      kind: 'app',
      command: process.execPath,
      args: [mains[app]],
      env: { ...env[app], PORT: String(port) },
      info: { app, url: `http://127.0.0.1:${port}`, port },
    });
  const groups = Object.fromEntries(PORT_GROUPS.filter((g) => g.service).map((g) => [g.service, g.key]));
  const instances = SERVICES.map((s) =>
    ports[groups[s.name]].map((port, i) => instance(s.name, instanceName(s, i), port)),
  );
  // auth first: it creates the key and revocation buckets and the events stream. Then the first
  // instance of every other app, then the second ones once the first have applied the migrations.
  const [auth, ...others] = instances;
  const waves = [auth];
  for (let i = 0; i < Math.max(0, ...others.map((list) => list.length)); i++) {
    waves.push(others.map((list) => list[i]).filter(Boolean));
  }
  for (const wave of waves) {
    if (shuttingDown) {
      return;
    }
    say(`starting ${wave.map((p) => p.name).join(', ')}`);
    await Promise.all(wave.map((p) => startAndWait(p)));
  }
  if (shuttingDown) {
    return;
  }
  phase = 'running';
  report(natsUrl, dbs, Number(env.auth.NATS_REPLICAS));
}

// Our own errors carry a message for the user; a programming error shows its stack.
main().catch((err) =>
  fail(err instanceof TypeError || err instanceof ReferenceError ? String(err.stack) : String(err?.message ?? err)),
);
