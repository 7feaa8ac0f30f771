import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { type TestDatabaseTarget, testNamespace } from '@tessera/platform/testing';

import { type ClusterInfo, ClusterScript } from './cluster-script';

export interface NpmRunCluster {
  cluster: ClusterScript;
  info: ClusterInfo;
  namespace: string;
  /** The test's own connection to the three nodes (reconnects forever). */
  nc: NatsConnection;
  jsm: JetStreamManager;
  /** Stops the cluster by pid and drops the databases made for it. */
  stop(): Promise<void>;
}

/**
 * Starts the topology of `npm run cluster` through the real scripts/cluster.mjs, in a NATS
 * namespace of its own: on fresh PostgreSQL databases when `target` is PostgreSQL, else on the
 * PGlite the cluster serves.
 */
export async function startNpmRunCluster(target: TestDatabaseTarget): Promise<NpmRunCluster> {
  const namespace = testNamespace();
  const drops: (() => Promise<void>)[] = [];
  const env: NodeJS.ProcessEnv = { ...process.env, NATS_NAMESPACE: namespace };
  let cluster: ClusterScript | undefined;
  let nc: NatsConnection | undefined;
  const stop = async () => {
    await nc?.close().catch(() => undefined);
    try {
      await cluster?.stop();
    } finally {
      for (const drop of drops) {
        await drop().catch(() => undefined);
      }
    }
  };
  try {
    for (const app of ['AUTH', 'ORDERS', 'PROFILE']) {
      delete env[`${app}_DATABASE_URL`];
      if (target.name === 'postgres') {
        const db = await target.create();
        drops.push(db.drop);
        env[`${app}_DATABASE_URL`] = db.url;
      }
    }
    cluster = new ClusterScript(env);
    const info = await cluster.start();
    nc = await connect({ servers: info.natsUrl.split(','), maxReconnectAttempts: -1 });
    return { cluster, info, namespace, nc, jsm: await jetstreamManager(nc), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
