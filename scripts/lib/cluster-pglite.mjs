// One embedded PGlite per app for `npm run cluster`, shared by the app's instances. A PGlite
// directory belongs to one process, so the cluster script opens it and serves it over the
// PostgreSQL wire protocol on loopback (PGLiteSocketHandler from @electric-sql/pglite-socket,
// with the ExchangeQueue below in front of the one database session); the apps connect with an
// ordinary postgres:// URL, as they would to PostgreSQL. Each database runs in a worker thread
// of its own: the three initialise and answer in parallel, and never stall the supervisor.
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

/** Enough for every pg pool of the app's instances (10 connections each). */
const MAX_CONNECTIONS = 100;
const START_TIMEOUT_MS = 180_000;

/** Resolves to { app, dir, port, url, stop() } once the database answers on its port. */
export function startPgliteServer({ app, dir, log }) {
  // The database holds password hashes and encrypted keys: owner-only, as the apps' own PGlite.
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const worker = new Worker(new URL(import.meta.url), { workerData: { app, dir } });
  let exited = false;
  const gone = new Promise((resolve) =>
    worker.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  let stopping = false;
  worker.on('error', (err) => log(`worker error: ${err.message}`));
  worker.once('exit', () => {
    if (!stopping) {
      log(`the database of ${app} stopped unexpectedly: its instances get connection errors from now on`);
    }
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`the PGlite database of ${app} did not start within ${START_TIMEOUT_MS / 1000}s`));
    }, START_TIMEOUT_MS);
    const settle = (fn) => (value) => {
      clearTimeout(timer);
      fn(value);
    };
    worker.once(
      'exit',
      settle(() => reject(new Error(`the PGlite database of ${app} stopped while starting`))),
    );
    worker.on('message', (message) => {
      if (message.type === 'error') {
        settle(reject)(new Error(message.message));
      } else if (message.type === 'listening') {
        settle(resolve)({
          app,
          dir,
          port: message.port,
          url: `postgres://postgres@127.0.0.1:${message.port}/postgres`,
          stop: async () => {
            stopping = true;
            if (!exited) {
              worker.postMessage({ type: 'stop' });
              await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))]);
              if (!exited) {
                await worker.terminate();
              }
            }
          },
        });
      } else if (message.type === 'log') {
        log(message.text);
      }
    });
  });
}

/** Sync: ends an extended-protocol exchange (what a client that vanished mid-way never sent). */
const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);
const PROTOCOL_3 = 196608;

function isStartupPacket(message) {
  return message.length >= 8 && new DataView(message.buffer, message.byteOffset).getInt32(4) === PROTOCOL_3;
}

/**
 * The statement queue of the socket server, one message at a time onto the one PGlite session,
 * but never interleaving two connections' exchanges. The package's own queue keeps a connection
 * only while an explicit transaction is open, so under load another connection's Parse can land
 * between one's Parse, Bind and Execute ("unnamed prepared statement does not exist"), or inside
 * its implicit transaction, and statements run with the wrong parameters or in the wrong
 * transaction. Here the connection that sent an extended-protocol message keeps the session
 * until its Sync, and for as long as the transaction it is in stays open.
 */
export class ExchangeQueue {
  constructor(db) {
    this.db = db;
    this.queue = [];
    this.processing = false;
    this.owner = null;
    this.disconnected = new Set();
  }

  enqueue(handlerId, message, onData) {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.process();
    });
  }

  getQueueLength() {
    return this.queue.length;
  }

  async process() {
    if (this.processing) {
      return;
    }
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const index = this.owner === null ? 0 : this.queue.findIndex((q) => q.handlerId === this.owner);
        if (index === -1) {
          return; // the owner's next message has not arrived yet
        }
        const [item] = this.queue.splice(index, 1);
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item.message, {
              onRawData: (data) => {
                bytes += data.length;
                item.onData(data);
              },
            }),
          );
          item.resolve(bytes);
        } catch (err) {
          item.reject(err);
        }
        this.owner = this.ownerAfter(item);
        if (this.owner !== null && this.disconnected.has(this.owner)) {
          await this.release();
        }
      }
    } finally {
      this.processing = false;
    }
  }

  ownerAfter({ handlerId, message }) {
    if (isStartupPacket(message)) {
      return this.owner;
    }
    const type = String.fromCharCode(message[0]);
    if (type === 'S' || type === 'Q' || type === 'X') {
      // An exchange ends here; an open transaction block keeps the session with its connection.
      return type !== 'X' && this.db.isInTransaction() ? handlerId : null;
    }
    return handlerId;
  }

  clearQueueForHandler(handlerId) {
    this.disconnected.add(handlerId);
    this.queue = this.queue.filter((item) => {
      if (item.handlerId === handlerId) {
        item.reject(new Error('Handler disconnected'));
        return false;
      }
      return true;
    });
  }

  /** A connection gone mid-exchange or mid-transaction: end both, so the others can go on. */
  async clearTransactionIfNeeded(handlerId) {
    // While a statement of it still runs, process() releases the session after it.
    if (this.owner === handlerId && !this.processing) {
      await this.release();
      void this.process();
    }
  }

  async release() {
    await this.db.runExclusive(() => this.db.execProtocolRaw(SYNC)).catch(() => undefined);
    if (this.db.isInTransaction()) {
      await this.db.exec('ROLLBACK').catch(() => undefined);
    }
    this.disconnected.delete(this.owner);
    this.owner = null;
  }
}

/** Serves `db` on loopback through PGLiteSocketHandler and the ExchangeQueue above. */
export async function servePglite(db, { PGLiteSocketHandler, port = 0, maxConnections = MAX_CONNECTIONS }) {
  const queue = new ExchangeQueue(db);
  const handlers = new Set();
  const server = net.createServer((socket) => {
    if (handlers.size >= maxConnections) {
      socket.end();
      return;
    }
    const handler = new PGLiteSocketHandler({ queryQueue: queue, closeOnDetach: true });
    handlers.add(handler);
    const forget = () => handlers.delete(handler);
    handler.addEventListener('close', forget);
    handler.addEventListener('error', forget);
    handler.attach(socket).catch(() => {
      forget();
      socket.destroy();
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const actual = server.address().port;
  return {
    port: actual,
    url: `postgres://postgres@127.0.0.1:${actual}/postgres`,
    stop: async () => {
      await Promise.all([...handlers].map((h) => h.detach(true).catch(() => undefined)));
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function serve({ app, dir }) {
  let PGlite;
  let PGLiteSocketHandler;
  try {
    ({ PGlite } = await import('@electric-sql/pglite'));
    ({ PGLiteSocketHandler } = await import('@electric-sql/pglite-socket'));
  } catch (err) {
    parentPort.postMessage({
      type: 'error',
      message:
        `the PGlite socket server (@electric-sql/pglite-socket, a devDependency) cannot be loaded (${err.code ?? err.message}): ` +
        `run \`npm ci\`, or set ${app.toUpperCase()}_DATABASE_URL to a PostgreSQL database.`,
    });
    return;
  }
  const db = await PGlite.create(dir);
  const server = await servePglite(db, { PGLiteSocketHandler });
  parentPort.on('message', (message) => {
    if (message.type === 'stop') {
      void (async () => {
        await server.stop().catch(() => undefined);
        await db.close().catch(() => undefined);
        process.exit(0);
      })();
    }
  });
  parentPort.postMessage({ type: 'listening', port: server.port });
}

if (!isMainThread && workerData?.dir) {
  serve(workerData).catch((err) => parentPort.postMessage({ type: 'error', message: `PGlite: ${err.message}` }));
}
