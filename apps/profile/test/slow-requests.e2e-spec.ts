import net from 'node:net';

import { startVerifyingService, type VerifyingServiceHarness } from '@tessera/auth/testing';
import { testDatabaseTargets } from '@tessera/platform/testing';

import { createProfileApp } from '../src/app';
import { loadProfileConfig } from '../src/config/profile.config';

/** Short limits, so that the test is quick: the defaults are 10 s, 30 s and 5 s. */
const HEADERS_MS = 1000;
const REQUEST_MS = 1000;
const KEEP_ALIVE_MS = 500;
/** The limit, Node's check a few times per limit, and slack for a loaded machine. */
const ANSWERED_WITHIN_MS = REQUEST_MS + 1500;

interface Outcome {
  /** The status line the server wrote, if any: e.g. `HTTP/1.1 408 Request Timeout`. */
  statusLine?: string;
  /** Everything the server wrote. */
  received: string;
  /** When the server ended the connection, from the first byte sent. */
  closedAfterMs: number;
}

/**
 * Opens a connection, writes `head`, then one byte of `drip` every 100 ms, and resolves when
 * the server closes it (or after 10 s, which fails the test).
 */
function dribble(port: number, head: string, drip: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const started = Date.now();
    let received = '';
    let sent = 0;
    const timer = setInterval(() => {
      if (!socket.destroyed) {
        socket.write(drip[sent++ % drip.length]);
      }
    }, 100);
    const give = setTimeout(() => socket.destroy(), 10_000);
    socket.on('connect', () => socket.write(head));
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(give);
      resolve({
        statusLine: received.split('\r\n', 1)[0] || undefined,
        received,
        closedAfterMs: Date.now() - started,
      });
    });
  });
}

/** Sends one whole request, reads its answer, then stays silent until the server closes the connection. */
function idleAfterOneRequest(port: number): Promise<{ statusLine?: string; closedAfterAnswerMs: number }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    let answeredAt = 0;
    const give = setTimeout(() => socket.destroy(), 10_000);
    socket.on('connect', () => socket.write('GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n'));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      answeredAt ||= Date.now();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(give);
      resolve({ statusLine: received.split('\r\n', 1)[0] || undefined, closedAfterAnswerMs: Date.now() - answeredAt });
    });
  });
}

describe('slow clients', () => {
  let h: VerifyingServiceHarness;
  let port: number;

  beforeAll(async () => {
    h = await startVerifyingService(
      testDatabaseTargets()[0],
      (env) => createProfileApp(loadProfileConfig(env)),
      (db) => ({ PROFILE_DATA_DIR: db.dataDir, PROFILE_DATABASE_URL: db.url }),
      {
        env: {
          HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_MS),
          HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_MS),
          HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_MS),
        },
      },
    );
    port = Number(new URL(h.url).port);
  });

  afterAll(() => h?.close());

  it('answers 408 to connections that dribble a body or their headers, within the limit, and stays ready', async () => {
    const body =
      'PATCH /profile/me HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n{';
    const headers = 'GET /health/live HTTP/1.1\r\nHost: localhost\r\n';
    const outcomes = await Promise.all([
      ...Array.from({ length: 6 }, () => dribble(port, body, '"aaaaaaaa')),
      ...Array.from({ length: 4 }, () => dribble(port, headers, 'X-Slow: 1\r\n')),
    ]);
    for (const outcome of outcomes) {
      expect(outcome.statusLine).toBe('HTTP/1.1 408 Request Timeout');
      const [head, body] = outcome.received.split('\r\n\r\n');
      expect(head).toMatch(/\r\nContent-Type: application\/problem\+json; charset=utf-8\r\n/i);
      expect(head).toMatch(/\r\nConnection: close(\r\n|$)/i);
      expect(JSON.parse(body)).toMatchObject({ status: 408, code: 'request_timeout' });
      expect(outcome.closedAfterMs).toBeGreaterThanOrEqual(Math.min(HEADERS_MS, REQUEST_MS) - 100);
      expect(outcome.closedAfterMs).toBeLessThan(ANSWERED_WITHIN_MS);
    }
    const ready = await fetch(`${h.url}/health/ready`);
    expect(ready.status).toBe(200);
  });

  it('closes an idle keep-alive connection after its timeout', async () => {
    const { statusLine, closedAfterAnswerMs } = await idleAfterOneRequest(port);
    expect(statusLine).toBe('HTTP/1.1 200 OK');
    expect(closedAfterAnswerMs).toBeGreaterThanOrEqual(KEEP_ALIVE_MS - 100);
    expect(closedAfterAnswerMs).toBeLessThan(KEEP_ALIVE_MS + 1500);
  });
});
