#!/usr/bin/env node
// `npm start`: build, find or start NATS, run the services of scripts/lib/services.json (auth,
// orders, profile and any `npm run new-service` added), wait until each is ready, then the web
// console's server, and print the URLs and a walkthrough. Ctrl-C (or SIGTERM)
// stops everything this script started.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_NATS_URL, ensureNats, NatsUnavailableError } from './lib/nats.mjs';
import { WALKTHROUGH } from './lib/walkthrough.mjs';
import { onStopSignals, pipeLines, signalPid } from './lib/child-processes.mjs';
import { runBuild } from './lib/nx-build.mjs';
import { loadServices, serviceClientSecrets } from './lib/services.mjs';
import { waitHttpReady } from './lib/wait-ready.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SERVICES = loadServices();
const APPS = SERVICES.map(({ name, port }) => ({ name, port }));
/** The web console's server (scripts/lib/web-server.mjs), started once the APIs are ready. */
const WEB = {
  name: 'web',
  port: Number(process.env.WEB_PORT || 3000),
  main: path.join('scripts', 'lib', 'web-server.mjs'),
};
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 10_000;
const LOG_TAIL = 40;

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const APP_COLORS = { auth: 36, orders: 35, profile: 33, web: 32, nats: 34, start: 32 };
const prefix = (name) => paint(APP_COLORS[name] ?? 37, `[${name}]`.padEnd(10));
const say = (msg) => console.log(`${prefix('start')}${msg}`);
const warn = (msg) => console.error(`${prefix('start')}${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** @type {Array<{name: string, port: number, child: import('node:child_process').ChildProcess, tail: string[], exited: Promise<any>, exit: any}>} */
const running = [];
let nats = null;
let shuttingDown = null;

onStopSignals({
  stopping: () => shuttingDown !== null,
  stop: (signal) => {
    console.log('');
    say(`${signal} received, stopping`);
    void shutdown(0);
  },
  killNow: () => {
    warn('second signal: killing what is left');
    for (const app of running) {
      if (!app.exit) {
        signalPid(app.child.pid, 'SIGKILL');
      }
    }
  },
});

async function shutdown(code) {
  shuttingDown ??= (async () => {
    const alive = running.filter((app) => !app.exit);
    for (const app of alive) {
      signalPid(app.child.pid, 'SIGTERM');
    }
    await Promise.all(
      alive.map(async (app) => {
        const done = await Promise.race([app.exited, sleep(STOP_TIMEOUT_MS).then(() => null)]);
        if (!done) {
          warn(`${app.name} did not stop within ${STOP_TIMEOUT_MS / 1000}s; sending SIGKILL`);
          signalPid(app.child.pid, 'SIGKILL');
          await app.exited;
        }
      }),
    );
    if (nats?.started) {
      say('stopping the nats-server started by npm start');
      await nats.stop();
    }
    say(code === 0 ? 'stopped' : 'stopped after an error');
    process.exit(code);
  })();
  return shuttingDown;
}

async function fail(message, code = 1) {
  if (!shuttingDown) {
    warn(paint(31, message));
  }
  await shutdown(code);
}

/** The address to poll: a wildcard bind address is reached through loopback. */
function probeHost(host) {
  if (!host || host === '0.0.0.0') {
    return '127.0.0.1';
  }
  if (host === '::' || host === '[::]') {
    return '[::1]';
  }
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function startApp({ name, port, main = path.join('dist', name, 'apps', name, 'src', 'main.js') }, env) {
  if (!existsSync(path.join(ROOT, main))) {
    throw new Error(`${main} does not exist after the build; is the ${name} project's build target set up?`);
  }
  // Own process group, so that a Ctrl-C reaches this script first and the apps stop in order,
  // before the NATS server they are connected to.
  const child = spawn(process.execPath, [main], {
    cwd: ROOT,
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const app = { name, port, child, tail: [], exit: null, exited: null };
  app.exited = new Promise((resolve) => {
    // 'close' rather than 'exit': it comes after the last output line has been read.
    child.on('close', (code, signal) => {
      app.exit = { code, signal };
      resolve(app.exit);
    });
  });
  child.on('error', (err) => {
    void fail(`could not start ${name}: ${err.message}`);
  });
  const onLine = (line) => {
    app.tail.push(line);
    if (app.tail.length > LOG_TAIL) {
      app.tail.shift();
    }
    console.log(`${prefix(name)}${line}`);
  };
  pipeLines(child.stdout, onLine);
  pipeLines(child.stderr, onLine);
  void app.exited.then(({ code, signal }) => {
    if (!shuttingDown) {
      void fail(`${name} exited unexpectedly (${signal ?? `exit code ${code}`}); stopping everything.`);
    }
  });
  running.push(app);
  return app;
}

async function waitReady(app, host) {
  const url = `http://${probeHost(host)}:${app.port}/health/ready`;
  const result = await waitHttpReady(url, {
    timeoutMs: READY_TIMEOUT_MS,
    intervalMs: 500,
    gone: () => Boolean(app.exit || shuttingDown),
  });
  if (result.ready) {
    return true;
  }
  if (!result.gone) {
    await fail(
      [
        `${app.name} was not ready within ${READY_TIMEOUT_MS / 1000}s.`,
        `  GET ${url} last answered: ${result.last}`,
        `  its last log lines:`,
        ...app.tail.slice(-20).map((l) => `    ${l}`),
      ].join('\n'),
    );
  }
  return false;
}

/** Refuses ports that are already taken, so a leftover instance is never mistaken for ours. */
async function portsInUse(host) {
  const busy = [];
  for (const { name, port } of [...APPS, WEB]) {
    try {
      await fetch(`http://${probeHost(host)}:${port}/`, { signal: AbortSignal.timeout(1000) });
      busy.push(`${port} (${name})`);
    } catch (err) {
      if (err.cause?.code !== 'ECONNREFUSED') {
        busy.push(`${port} (${name})`);
      }
    }
  }
  return busy;
}

async function main() {
  const host = process.env.HOST;
  const busy = await portsInUse(host);
  if (busy.length > 0) {
    await fail(`port ${busy.join(', ')} already in use; is another \`npm start\` still running? Stop it first.`);
    return;
  }

  // NATS first: without it nothing can run, so say so before a long build.
  try {
    nats = await ensureNats({
      url: process.env.NATS_URL || DEFAULT_NATS_URL,
      storeDir: path.join(ROOT, '.data', 'nats'),
      log: (msg) => console.log(`${prefix('nats')}${msg}`),
    });
  } catch (err) {
    await fail(err instanceof NatsUnavailableError ? err.message : `NATS: ${err.stack ?? err}`);
    return;
  }
  if (nats.started) {
    void nats.exited.then(({ code, signal }) => {
      if (!shuttingDown) {
        const tail = nats
          .recentOutput()
          .map((l) => `    ${l}`)
          .join('\n');
        void fail(`the nats-server started by npm start exited (${signal ?? `exit code ${code}`}):\n${tail}`);
      }
    });
  }

  try {
    await runBuild({ root: ROOT, say });
  } catch (err) {
    await fail(err.message);
    return;
  }
  if (shuttingDown) {
    return;
  }

  // The browser reaches the console and the APIs by the same host name: localhost and
  // 127.0.0.1 are different sites to a browser (cookies) and different origins (CORS).
  const shown = !host || ['127.0.0.1', '0.0.0.0', '::', '::1'].includes(host) ? 'localhost' : host;
  const consoleUrl = `http://${shown}:${WEB.port}`;
  const apiUrl = (name) => `http://${shown}:${APPS.find((a) => a.name === name).port}`;
  // The APIs answer the console's origin with CORS (credentials included), and nothing else.
  const env = { ...process.env, NATS_URL: nats.url, CORS_ORIGINS: process.env.CORS_ORIGINS || consoleUrl };
  // The console signs in through auth's OpenID Provider, as the client tessera-web at this URL.
  env.PUBLIC_WEB_URL ||= consoleUrl;
  if (!process.stdout.isTTY) {
    // Colour codes would only litter a log file.
    env.NO_COLOR ??= '1';
  }
  const secrets = serviceClientSecrets(SERVICES, env);
  for (const spec of SERVICES) {
    try {
      startApp(spec, { ...env, ...spec.env, ...secrets[spec.name] });
    } catch (err) {
      await fail(err.message);
      return;
    }
  }

  const ready = await Promise.all(running.map((app) => waitReady(app, host)));
  if (!ready.every(Boolean) || shuttingDown) {
    return;
  }

  let web;
  try {
    web = startApp(WEB, {
      ...env,
      WEB_PORT: String(WEB.port),
      WEB_AUTH_URL: apiUrl('auth'),
      WEB_ORDERS_URL: apiUrl('orders'),
      WEB_PROFILE_URL: apiUrl('profile'),
    });
  } catch (err) {
    await fail(err.message);
    return;
  }
  if (!(await waitReady(web, host)) || shuttingDown) {
    return;
  }

  const natsNote = nats.started ? `started by npm start, store .data/nats` : 'already running';
  console.log(
    [
      '',
      paint(1, 'Tessera is running. Ctrl-C stops it.'),
      `  console  ${consoleUrl}   the web console: sign up, sign in, profile, orders, sessions`,
      ...APPS.map(({ name, port }) =>
        name === 'auth'
          ? `  auth     http://${shown}:${port}   JWKS: http://${shown}:${port}/.well-known/jwks.json`
          : `  ${name.padEnd(8)} http://${shown}:${port}`,
      ),
      `  NATS     ${nats.url} (${natsNote})${process.env.NATS_NAMESPACE ? `, namespace ${process.env.NATS_NAMESPACE}` : ''}`,
      '',
      paint(1, 'Try it (bash, in another terminal):'),
      '',
      WALKTHROUGH,
      '',
    ].join('\n'),
  );
}

main().catch((err) => fail(`unexpected error: ${err.stack ?? err}`));
