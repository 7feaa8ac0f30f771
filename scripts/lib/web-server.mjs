#!/usr/bin/env node
// The web console's server: the files Vite built into dist/web, `/config.json` telling the
// console where the APIs are (so one build serves every environment), security headers with a
// Content-Security-Policy that lets the page talk to those three APIs and nothing else, and
// index.html for any other page path (the console routes with the History API).
//
//   node scripts/lib/web-server.mjs        (npm start runs it; settings from the environment)
//
// WEB_HOST (else HOST, else 127.0.0.1), WEB_PORT (3000), WEB_ROOT (dist/web), and the API
// origins as the browser reaches them: WEB_AUTH_URL, WEB_ORDERS_URL, WEB_PROFILE_URL (default
// http://localhost:3001, :3002, :3003). Each API must list this console's origin in CORS_ORIGINS.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import Fastify from 'fastify';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Checks the settings; throws one error listing every problem (names, never secrets: none here). */
export function webServerSettings(env = process.env) {
  const problems = [];
  const origin = (name, fallback) => {
    const value = env[name] || fallback;
    let url;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    const bare = value.replace(/\/$/, '');
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== bare) {
      problems.push(`${name} must be an http(s) origin such as https://auth.example.com (no path)`);
      return fallback;
    }
    return url.origin;
  };
  const port = Number(env.WEB_PORT || 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    problems.push('WEB_PORT must be a port number (0 to 65535)');
  }
  const settings = {
    host: env.WEB_HOST || env.HOST || '127.0.0.1',
    port,
    root: path.resolve(ROOT, env.WEB_ROOT || 'dist/web'),
    config: {
      authUrl: origin('WEB_AUTH_URL', 'http://localhost:3001'),
      ordersUrl: origin('WEB_ORDERS_URL', 'http://localhost:3002'),
      profileUrl: origin('WEB_PROFILE_URL', 'http://localhost:3003'),
    },
  };
  if (!existsSync(path.join(settings.root, 'index.html'))) {
    problems.push(`${settings.root}/index.html does not exist: build the console first (npx nx build web)`);
  }
  if (problems.length > 0) {
    throw new Error(`Invalid web console settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return settings;
}

/** The page may load only its own files and talk only to its own origin and the three APIs. */
export function contentSecurityPolicy(config) {
  const apis = [...new Set([config.authUrl, config.ordersUrl, config.profileUrl])];
  return {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      baseUri: ["'self'"],
      connectSrc: ["'self'", ...apis],
      fontSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      imgSrc: ["'self'", 'data:'],
      manifestSrc: ["'self'"],
      objectSrc: ["'none'"],
      scriptSrc: ["'self'"],
      scriptSrcAttr: ["'none'"],
      styleSrc: ["'self'"],
    },
  };
}

/** Starts the server; resolves with its URL and a close(). */
export async function startWebServer({ host, port, root, config }) {
  const app = Fastify({ logger: false, return503OnClosing: true });
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: contentSecurityPolicy(config),
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=()');
  });
  await app.register(fastifyStatic, {
    root,
    // Only the files that exist at start (a route each): anything else reaches the fallback.
    wildcard: false,
    index: false,
    cacheControl: false,
    setHeaders: (reply, file) => {
      // Vite names built assets by content hash: cache them for good; everything else revalidates.
      const immutable = path.relative(root, file).startsWith(`assets${path.sep}`);
      reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  const body = JSON.stringify(config);
  app.get('/config.json', (_request, reply) => {
    void reply.header('cache-control', 'no-store').type('application/json; charset=utf-8').send(body);
  });
  const health = (_request, reply) => {
    void reply.header('cache-control', 'no-store').send({ status: 'ok' });
  };
  app.get('/health/live', health);
  app.get('/health/ready', health);
  const sendIndex = (reply) => reply.header('cache-control', 'no-cache').sendFile('index.html');
  app.get('/', (_request, reply) => sendIndex(reply));
  // The console's own page paths (/orders, /sessions...) are index.html; a missing file with an
  // extension (a stale /assets/index-old.js) stays a 404 rather than HTML under a script's name.
  app.setNotFoundHandler((request, reply) => {
    const pathname = request.url.split('?')[0];
    if ((request.method === 'GET' || request.method === 'HEAD') && !path.posix.extname(pathname)) {
      return sendIndex(reply);
    }
    return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
  });
  await app.listen({ host, port });
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return { app, port: bound, close: () => app.close() };
}

async function main() {
  let settings;
  try {
    settings = webServerSettings();
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
  const server = await startWebServer(settings);
  console.log(
    JSON.stringify({
      msg: 'web console listening',
      url: `http://${settings.host}:${server.port}`,
      apis: settings.config,
    }),
  );
  let stopping = false;
  const stop = () => {
    if (stopping) {
      return;
    }
    stopping = true;
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, stop);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err) => {
    console.error(`web console server failed: ${err.stack ?? err}`);
    process.exit(1);
  });
}
