// Finds a NATS server with JetStream for `npm start` and `npm test`, or starts a local one.
//
// ensureNats({ url, storeDir, freePort, log, onOutput }) resolves to
//   { url, started, pid, storeDir, exited, stop() }
// - url:      the server to use (the one given, or the local one that was started)
// - started:  true when this call started nats-server; stop() then stops exactly that process
// - exited:   a promise that settles if the started server exits (never settles otherwise)
import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { pipeLines, signalPid } from './child-processes.mjs';

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
const DEFAULT_PORT = 4222;
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]', '0.0.0.0']);

export class NatsUnavailableError extends Error {
  constructor(message) {
    super(message);
    this.name = 'NatsUnavailableError';
  }
}

export function howToGetNats(url) {
  return [
    `No NATS server with JetStream answers at ${url}, and nats-server is not installed, so none can be started.`,
    'Do one of these, then run the command again:',
    '  - install nats-server (npm start and npm test then start it for you):',
    '      sudo apt-get install nats-server        # Debian, Ubuntu',
    '      brew install nats-server                # macOS',
    "  - run NATS in Docker (without users: the compose file's NATS wants per-service credentials):",
    '      docker run -d --name tessera-nats -p 127.0.0.1:4222:4222 nats:2.10-alpine -js',
    '  - use an existing NATS server with JetStream:  export NATS_URL=nats://<host>:4222',
  ].join('\n');
}

/** Splits a NATS_URL (possibly a comma-separated server list) into { host, port } entries. */
export function parseNatsUrl(url) {
  return String(url)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((raw) => {
      const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `nats://${raw}`;
      let u;
      try {
        u = new URL(withScheme);
      } catch {
        throw new NatsUnavailableError(`NATS_URL is not a valid URL: ${raw}`);
      }
      const host = u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
      const port = u.port ? Number(u.port) : DEFAULT_PORT;
      return { raw, host, port, local: LOCAL_HOSTS.has(host) };
    });
}

/**
 * Connects to host:port and reads the INFO line a NATS server sends on connect.
 * Resolves { status: 'absent' } (nothing listens), { status: 'other' } (something that is not
 * NATS) or { status: 'nats', info }.
 */
export function probeNats(host, port, timeoutMs = 2000) {
  return new Promise((resolve) => {
    let buffer = '';
    let done = false;
    const socket = net.connect({ host, port });
    const finish = (result) => {
      if (done) {
        return;
      }
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () => finish(socket.connecting ? { status: 'absent' } : { status: 'other', reason: 'no INFO line' }),
      timeoutMs,
    );
    socket.setEncoding('utf8');
    socket.on('error', (err) => finish({ status: 'absent', reason: err.code ?? err.message }));
    socket.on('close', () => finish({ status: 'other', reason: 'closed without an INFO line' }));
    socket.on('data', (chunk) => {
      buffer += chunk;
      const eol = buffer.indexOf('\r\n');
      if (eol === -1) {
        if (buffer.length > 64 * 1024) {
          finish({ status: 'other', reason: 'no INFO line' });
        }
        return;
      }
      const line = buffer.slice(0, eol);
      if (!line.startsWith('INFO ')) {
        finish({ status: 'other', reason: `unexpected greeting: ${line.slice(0, 80)}` });
        return;
      }
      try {
        finish({ status: 'nats', info: JSON.parse(line.slice(5)) });
      } catch {
        finish({ status: 'other', reason: 'unparseable INFO line' });
      }
    });
  });
}

/** Finds nats-server on PATH or in the usual system locations. */
export function findNatsServer() {
  const names = process.platform === 'win32' ? ['nats-server.exe'] : ['nats-server'];
  const dirs = [
    ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean),
    '/usr/sbin',
    '/usr/local/sbin',
    '/usr/local/bin',
    '/opt/homebrew/bin',
  ];
  for (const dir of dirs) {
    for (const name of names) {
      const candidate = path.join(dir, name);
      try {
        accessSync(candidate, fsConstants.X_OK);
        return candidate;
      } catch {
        // not here; keep looking
      }
    }
  }
  return null;
}

export function getFreePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function describeJetStream(info) {
  // `jetstream` has been part of INFO since nats-server 2.2; undefined means an older server.
  return info.jetstream === true ? 'yes' : info.jetstream === false ? 'no' : 'unknown';
}

/**
 * @param {object} [options]
 * @param {string} [options.url]       NATS_URL to use if something answers there (default nats://127.0.0.1:4222)
 * @param {string} [options.storeDir]  JetStream store for a server started here; omitted → a temp dir removed on stop()
 * @param {boolean} [options.freePort] start on a free port instead of the port in `url` (tests)
 * @param {(msg: string) => void} [options.log]      progress messages
 * @param {(line: string) => void} [options.onOutput] the started server's log lines
 * @param {number} [options.startTimeoutMs]
 */
export async function ensureNats({
  url = DEFAULT_NATS_URL,
  storeDir,
  freePort = false,
  log = () => {},
  onOutput,
  startTimeoutMs = 15_000,
} = {}) {
  const servers = parseNatsUrl(url);
  if (servers.length === 0) {
    throw new NatsUnavailableError('NATS_URL is empty');
  }

  for (const { host, port } of servers) {
    const probe = await probeNats(host, port);
    if (probe.status === 'nats') {
      if (probe.info.jetstream === false) {
        throw new NatsUnavailableError(
          `The NATS server at ${host}:${port} runs without JetStream; Tessera needs it (KV buckets, durable events). ` +
            'Restart it with -js (nats-server -js) or point NATS_URL at another server.',
        );
      }
      log(
        `using the NATS server at ${url} (version ${probe.info.version ?? '?'}, JetStream: ${describeJetStream(probe.info)})`,
      );
      return notStarted(url);
    }
    if (probe.status === 'other' && !freePort) {
      throw new NatsUnavailableError(
        `Something listens at ${host}:${port} but it is not a NATS server (${probe.reason}). ` +
          'Stop it, or point NATS_URL at a NATS server.',
      );
    }
  }

  const first = servers[0];
  if (!freePort && !first.local) {
    throw new NatsUnavailableError(
      `Nothing answers at ${url}. A local nats-server is started only for a 127.0.0.1/localhost NATS_URL; ` +
        'start the server at that address or unset NATS_URL.',
    );
  }

  const binary = findNatsServer();
  if (!binary) {
    throw new NatsUnavailableError(howToGetNats(url));
  }

  const port = freePort ? await getFreePort() : first.port;
  const temporaryStore = !storeDir;
  const store = temporaryStore ? mkdtempSync(path.join(os.tmpdir(), 'tessera-nats-')) : path.resolve(storeDir);
  mkdirSync(store, { recursive: true });

  const args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', store];
  log(`nothing answers at ${url}; starting ${binary} ${args.join(' ')}`);

  // Own process group: a Ctrl-C in the terminal must not stop NATS before the apps (or jest)
  // that use it have finished; stop() ends it afterwards.
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const recent = [];
  const onLine = (line) => {
    recent.push(line);
    if (recent.length > 40) {
      recent.shift();
    }
    onOutput?.(line);
  };
  pipeLines(child.stdout, onLine);
  pipeLines(child.stderr, onLine);

  let exitInfo = null;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });
  const spawnError = new Promise((resolve) => child.on('error', resolve));

  const killOnExit = () => {
    if (!exitInfo && child.pid) {
      signalPid(child.pid, 'SIGKILL');
    }
  };
  process.on('exit', killOnExit);

  const cleanupStore = () => {
    if (temporaryStore) {
      rmSync(store, { recursive: true, force: true });
    }
  };

  let stopping = null;
  const stop = (timeoutMs = 5000) => {
    stopping ??= (async () => {
      if (!exitInfo && child.pid) {
        signalPid(child.pid, 'SIGTERM');
        const result = await Promise.race([exited, sleep(timeoutMs).then(() => null)]);
        if (!result) {
          signalPid(child.pid, 'SIGKILL');
          await exited;
        }
      }
      process.removeListener('exit', killOnExit);
      cleanupStore();
    })();
    return stopping;
  };

  const startedUrl = `nats://127.0.0.1:${port}`;
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    const failure = await Promise.race([
      spawnError.then((err) => `could not run ${binary}: ${err.message}`),
      exited.then((e) => `nats-server exited (code ${e.code}, signal ${e.signal})`),
      sleep(150).then(() => null),
    ]);
    if (failure) {
      await stop();
      throw new NatsUnavailableError(`${failure}. Its last output:\n${recent.map((l) => `  ${l}`).join('\n')}`);
    }
    const probe = await probeNats('127.0.0.1', port, 1000);
    if (probe.status === 'nats' && probe.info.jetstream !== false) {
      log(`nats-server ${probe.info.version ?? ''} ready at ${startedUrl} (pid ${child.pid}, store ${store})`);
      break;
    }
    if (Date.now() > deadline) {
      await stop();
      throw new NatsUnavailableError(
        `nats-server did not accept connections on 127.0.0.1:${port} within ${startTimeoutMs / 1000}s. ` +
          `Its last output:\n${recent.map((l) => `  ${l}`).join('\n')}`,
      );
    }
  }

  return {
    url: startedUrl,
    started: true,
    pid: child.pid,
    storeDir: store,
    exited,
    stop,
    recentOutput: () => [...recent],
  };
}

function notStarted(url) {
  return {
    url,
    started: false,
    pid: undefined,
    storeDir: undefined,
    exited: new Promise(() => {}),
    stop: async () => {},
    recentOutput: () => [],
  };
}
