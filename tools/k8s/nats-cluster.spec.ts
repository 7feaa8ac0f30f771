import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';

import {
  APPS,
  find,
  renderKustomization,
  specOf,
  type EnvVar,
  type K8sObject,
  type WorkloadSpec,
} from './manifest-rules';

const root = path.resolve(__dirname, '../..');
const NODES = 3;

/** Free loopback ports and the nats-server binary, from scripts/lib/nats.mjs (`npm start`'s own). */
function natsPrerequisites(count: number): { ports: number[]; binary: string } {
  const script = `import { findNatsServer, getFreePort } from './scripts/lib/nats.mjs';
const ports = new Set();
while (ports.size < ${count}) ports.add(await getFreePort());
console.log(JSON.stringify({ ports: [...ports], binary: findNatsServer() }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  const result = JSON.parse(out) as { ports: number[]; binary: string | null };
  if (!result.binary) {
    throw new Error('nats-server is not installed (sudo apt-get install -y nats-server)');
  }
  return { ports: result.ports, binary: result.binary };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The rendered StatefulSet's NATS nodes as three loopback processes: its ConfigMap's files, its
 * command line with Kubernetes' $(VAR) expansion, the pods' DNS names replaced by loopback ports
 * (the container ports are overridden by flags, which nats-server prefers to its file).
 */
describe('the NATS StatefulSet as rendered, run as three nats-server processes on loopback', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tessera-k8s-nats-cluster-'));
  const processes: ChildProcess[] = [];
  const env: Record<string, string> = {
    NATS_ROUTE_PASSWORD: `p${randomBytes(32).toString('hex')}`,
    // Every service's user of nats.conf (scripts/lib/services.json's), as the StatefulSet passes them.
    ...Object.fromEntries(
      APPS.map((app) => [
        `NATS_${app.toUpperCase().replace(/-/g, '_')}_PASSWORD`,
        `p${randomBytes(32).toString('hex')}`,
      ]),
    ),
  };
  let objects: K8sObject[];
  let clientUrls: string[];
  let monitorUrls: string[];

  beforeAll(async () => {
    objects = renderKustomization(path.join(root, 'deploy/k8s/base'));
    const nats = specOf<WorkloadSpec>(find(objects, 'StatefulSet', 'nats'));
    const container = nats?.template.spec.containers[0];
    const configMap = nats?.template.spec.volumes?.find((v) => v.name === 'config')?.configMap?.name ?? '';
    for (const [file, text] of Object.entries(find(objects, 'ConfigMap', configMap)?.data ?? {})) {
      writeFileSync(path.join(dir, file), text);
    }
    const { ports, binary } = natsPrerequisites(NODES * 3);
    const [client, route, monitor] = [0, 1, 2].map((g) => ports.slice(g * NODES, (g + 1) * NODES));
    clientUrls = client.map((p) => `nats://127.0.0.1:${p}`);
    monitorUrls = monitor.map((p) => `http://127.0.0.1:${p}`);
    for (let i = 0; i < NODES; i++) {
      const args = [...(container?.command ?? []), ...(container?.args ?? [])].slice(1).map((arg) => {
        let a = arg.replace(/\$\((\w+)\)/g, (_, name: string) => env[name] ?? '');
        for (let j = 0; j < NODES; j++) {
          a = a.replaceAll(`nats-${j}.${nats?.serviceName}:6222`, `127.0.0.1:${route[j]}`);
        }
        return a === '/etc/nats/cluster.conf'
          ? path.join(dir, 'cluster.conf')
          : a === '/data'
            ? path.join(dir, `data-${i}`)
            : a;
      });
      const proc = spawn(
        binary,
        [
          ...args,
          '-a',
          '127.0.0.1',
          '-p',
          String(client[i]),
          '-m',
          String(monitor[i]),
          '--cluster',
          `nats://127.0.0.1:${route[i]}`,
        ],
        { env: { ...env, POD_NAME: `nats-${i}` }, stdio: 'ignore' },
      );
      processes.push(proc);
    }
    // Healthy on every node: JetStream has a meta leader, so the routes (and their password) work.
    const deadline = Date.now() + 30_000;
    for (const url of monitorUrls) {
      for (;;) {
        const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) }).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) {
          break;
        }
        if (Date.now() > deadline) {
          throw new Error(`${url}/healthz did not answer 200 within 30 s`);
        }
        await sleep(200);
      }
    }
  }, 45_000);

  afterAll(async () => {
    for (const proc of processes) {
      if (proc.pid !== undefined && proc.exitCode === null) {
        process.kill(proc.pid, 'SIGKILL');
        await new Promise((resolve) => proc.once('exit', resolve));
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('forms one JetStream cluster of three named nodes', async () => {
    // /healthz answers once a meta leader is known; only the leader's /jsz lists the peers.
    type Jsz = { meta_cluster?: { name: string; leader?: string; replicas?: { name: string }[] } };
    const peers = (jsz: Jsz) =>
      [jsz.meta_cluster?.leader, ...(jsz.meta_cluster?.replicas ?? []).map((r) => r.name)].filter(Boolean).sort();
    let jsz: Jsz = {};
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; await sleep(200)) {
      const all = await Promise.all(monitorUrls.map(async (url) => (await (await fetch(`${url}/jsz`)).json()) as Jsz));
      jsz = all.find((j) => peers(j).length === NODES) ?? all[0];
      if (peers(jsz).length === NODES) {
        break;
      }
    }
    expect(jsz.meta_cluster?.name).toBe('tessera');
    expect(peers(jsz)).toEqual(['nats-0', 'nats-1', 'nats-2']);
  });

  it("lets auth create a KV bucket with the apps' NATS_REPLICAS on all three nodes, and refuses orders", async () => {
    const settings = (name: string) => {
      const e = specOf<WorkloadSpec>(find(objects, 'Deployment', 'auth'))?.template.spec.containers[0].env?.find(
        (v: EnvVar) => v.name === name,
      );
      const ref = e?.valueFrom?.configMapKeyRef;
      return ref ? find(objects, 'ConfigMap', ref.name)?.data?.[ref.key] : e?.value;
    };
    const replicas = Number(settings('NATS_REPLICAS'));
    expect(replicas).toBe(NODES);

    // Each service as compose configures it: its own user, password and inbox prefix.
    const connectAs = (user: 'auth' | 'orders') =>
      connect({
        servers: clientUrls,
        user,
        pass: env[`NATS_${user.toUpperCase()}_PASSWORD`],
        inboxPrefix: `_INBOX_${user}`,
      });
    const auth = await connectAs('auth');
    try {
      const kv = await new Kvm(auth).create('tessera_revocations', { history: 1, replicas });
      await kv.put('test-entry', 'revoked');
      const info = await (await jetstreamManager(auth)).streams.info('KV_tessera_revocations');
      expect(info.config.num_replicas).toBe(3);
      const peers = [info.cluster?.leader, ...(info.cluster?.replicas ?? []).map((r) => r.name)].sort();
      expect(peers).toEqual(['nats-0', 'nats-1', 'nats-2']);
    } finally {
      await auth.close();
    }

    // orders may read the buckets but not create one (docker/nats/nats.conf's rule, in the cluster too).
    const orders = await connectAs('orders');
    try {
      await expect(new Kvm(orders).create('tessera_keys', { history: 1, replicas })).rejects.toThrow(
        'Permissions Violation for Publish to "$JS.API.STREAM.CREATE.KV_tessera_keys"',
      );
    } finally {
      await orders.close();
    }
  });
});
