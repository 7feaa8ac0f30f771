// The three-node NATS JetStream cluster of `npm run cluster`: each node's arguments, and the
// wait until a node is healthy and the cluster has a JetStream meta leader.
import path from 'node:path';

export const CLUSTER_NAME = 'tessera';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * One node per index: its own client, route and monitoring port, server_name and store. Routes
 * name the other nodes; JetStream clustering needs the cluster name, server_name and routes.
 */
export function natsNodes({ natsPorts, routePorts, monitorPorts }, storeRoot) {
  return natsPorts.map((port, i) => {
    const name = `nats-${i + 1}`;
    const storeDir = path.join(storeRoot, name);
    const routes = routePorts.filter((_, j) => j !== i).map((p) => `nats://127.0.0.1:${p}`);
    return {
      name,
      serverName: name,
      port,
      routePort: routePorts[i],
      monitorPort: monitorPorts[i],
      storeDir,
      url: `nats://127.0.0.1:${port}`,
      monitorUrl: `http://127.0.0.1:${monitorPorts[i]}`,
      args: [
        '--jetstream',
        '--store_dir',
        storeDir,
        '--addr',
        '127.0.0.1',
        '--port',
        String(port),
        '--http_port',
        String(monitorPorts[i]),
        '--server_name',
        name,
        '--cluster_name',
        CLUSTER_NAME,
        '--cluster',
        `nats://127.0.0.1:${routePorts[i]}`,
        '--routes',
        routes.join(','),
      ],
    };
  });
}

async function getJson(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

/**
 * Resolves once the node answers /healthz with 200 (in a cluster: in contact with a JetStream
 * meta leader and current) and /jsz names that leader. Rejects after `timeoutMs`, or at once
 * when `gone()` says the process has exited.
 */
export async function waitNatsNodeHealthy(node, { timeoutMs = 60_000, gone = () => false } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (gone()) {
      throw new Error(`${node.name} exited while starting`);
    }
    try {
      const health = await getJson(`${node.monitorUrl}/healthz`);
      if (health.status !== 200) {
        last = `/healthz ${health.status} ${JSON.stringify(health.body)}`;
      } else {
        const jsz = await getJson(`${node.monitorUrl}/jsz`);
        const leader = jsz.body?.meta_cluster?.leader;
        if (leader) {
          return leader;
        }
        last = '/jsz names no meta leader yet';
      }
    } catch (err) {
      last = err.cause?.code ?? err.name ?? String(err);
    }
    await sleep(200);
  }
  throw new Error(`${node.name} was not healthy within ${timeoutMs / 1000}s (last: ${last})`);
}
