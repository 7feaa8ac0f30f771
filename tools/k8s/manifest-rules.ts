// The rules deploy/k8s must keep, checked on what `kubectl kustomize` renders (no cluster, no
// schema download): probes, resources, security contexts, secrets only from Secret objects,
// disruption budgets and autoscalers, the network policies around NATS and PostgreSQL, and the
// NATS JetStream cluster, for every service of scripts/lib/services.json (the list `npm run
// new-service` extends) and the web console. `checkManifests` lists every broken rule, so a spec
// can show both that the real manifests pass and that a broken copy fails; `checkDeploy` checks
// the base and the production overlay of a checkout, and that the two copies of nats.conf agree.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { parseAllDocuments } from 'yaml';

/** The parts of Kubernetes objects these rules read; everything else passes through unread. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: unknown;
  data?: Record<string, string>;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

interface KeyRef {
  name: string;
  key: string;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: KeyRef; configMapKeyRef?: KeyRef };
}

interface Probe {
  httpGet?: { path?: string };
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string } }[];
  ports?: { containerPort: number }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  securityContext?: {
    runAsNonRoot?: boolean;
    allowPrivilegeEscalation?: boolean;
    privileged?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
  };
  volumeMounts?: { name: string; mountPath: string }[];
}

export interface Volume {
  name: string;
  secret?: { secretName: string };
  configMap?: { name: string };
}

export interface PodSpec {
  automountServiceAccountToken?: boolean;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type?: string } };
  affinity?: { podAntiAffinity?: Record<string, unknown[] | undefined> };
  initContainers?: Container[];
  containers: Container[];
  volumes?: Volume[];
}

export interface WorkloadSpec {
  replicas?: number;
  selector?: LabelSelector;
  serviceName?: string;
  template: { metadata?: { labels?: Record<string, string> }; spec: PodSpec };
  volumeClaimTemplates?: { metadata: { name: string } }[];
}

interface ServiceSpec {
  selector?: Record<string, string>;
  clusterIP?: string;
}

export interface HpaSpec {
  scaleTargetRef?: { kind?: string; name?: string };
  minReplicas?: number;
  maxReplicas?: number;
  metrics?: unknown[];
}

export interface PdbSpec {
  selector?: LabelSelector;
  minAvailable?: number | string;
  maxUnavailable?: number | string;
}

interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string };
}

interface PolicyRule {
  ports?: { port?: number | string }[];
  from?: PolicyPeer[];
  to?: PolicyPeer[];
}

export interface NetworkPolicySpec {
  podSelector?: LabelSelector;
  policyTypes?: string[];
  ingress?: PolicyRule[];
  egress?: PolicyRule[];
}

/** The spec of a rendered object, read as the kind it says it is. */
export const specOf = <T>(o: K8sObject | undefined): T | undefined => o?.spec as T | undefined;

/** The repository these rules belong to (tools/k8s/..). */
export const REPOSITORY = path.resolve(__dirname, '../..');

/** The services of a checkout's scripts/lib/services.json, in its order (auth first). */
export function servicesOf(root = REPOSITORY): string[] {
  const file = path.join(root, 'scripts/lib/services.json');
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { services?: { name?: unknown }[] };
  const names = (parsed.services ?? []).map((s) => s.name);
  if (names.length === 0 || !names.every((n): n is string => typeof n === 'string' && /^[a-z][a-z0-9-]*$/.test(n))) {
    throw new Error(`${file}: "services" must list services with a name each`);
  }
  return names;
}

/** The apps: HTTP services with the platform's health routes, each with its own NATS user and Secret. */
export const APPS: readonly string[] = servicesOf();
/** Every Deployment the manifests must have (the apps and the web console). */
export const DEPLOYMENTS: readonly string[] = [...APPS, 'web'];
/** Scaled horizontally (every app but auth): a PodDisruptionBudget and a HorizontalPodAutoscaler each. */
export const SCALED: readonly string[] = APPS.filter((a) => a !== 'auth');

/** Which apps to hold the manifests to, and whether an Ingress must route to every Deployment. */
export interface CheckOptions {
  apps?: readonly string[];
  ingress?: boolean;
}

interface Lists {
  apps: readonly string[];
  deployments: readonly string[];
  scaled: readonly string[];
}

const listsOf = (apps: readonly string[]): Lists => ({
  apps,
  deployments: [...apps, 'web'],
  scaled: apps.filter((a) => a !== 'auth'),
});
const NATS = 'nats';
const NATS_CLIENT_PORT = 4222;
const NATS_ROUTE_PORT = 6222;
const POSTGRES_PORT = 5432;
const DNS_PORT = 53;

/**
 * Names of settings that hold a secret (after a `_FILE` suffix is taken off): they must come
 * from a Secret, as a secretKeyRef or as a file of a mounted Secret volume. AUTH_TOKEN_URL and
 * ACCESS_TOKEN_TTL_SECONDS name a token without being one.
 */
const SECRET_NAME = /PASSWORD|SECRET|(^|_)KEY($|_)|(^|_)TOKEN$|DATABASE_URL/;

/** Renders a kustomization directory with the kubectl on PATH (its embedded kustomize). */
export function renderKustomization(dir: string): K8sObject[] {
  let out: string;
  try {
    out = execFileSync('kubectl', ['kustomize', dir], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('kubectl is not on PATH: install it (Debian: sudo apt-get install -y kubernetes-client)');
    }
    throw err;
  }
  return parseAllDocuments(out)
    .map((doc) => {
      if (doc.errors.length > 0) {
        throw new Error(`kubectl kustomize ${dir} printed YAML that does not parse: ${doc.errors[0].message}`);
      }
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

export function find(objects: K8sObject[], kind: string, name: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata.name === name);
}

const workloadKinds = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

function matches(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) {
    return false;
  }
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) {
      return false;
    }
  }
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const ok =
      e.operator === 'In'
        ? has && (e.values ?? []).includes(labels[e.key])
        : e.operator === 'NotIn'
          ? !has || !(e.values ?? []).includes(labels[e.key])
          : e.operator === 'Exists'
            ? has
            : e.operator === 'DoesNotExist'
              ? !has
              : false;
    if (!ok) {
      return false;
    }
  }
  return true;
}

const workloadSpec = (w: K8sObject): WorkloadSpec =>
  specOf<WorkloadSpec>(w) ?? { template: { spec: { containers: [] } } };
const podLabels = (w: K8sObject): Record<string, string> => workloadSpec(w).template?.metadata?.labels ?? {};
const podSpecOf = (w: K8sObject): PodSpec => workloadSpec(w).template?.spec ?? { containers: [] };
const containersOf = (w: K8sObject): Container[] => podSpecOf(w).containers ?? [];
const workloadsOf = (objects: K8sObject[]) => objects.filter((o) => workloadKinds.has(o.kind));

/** The value of an env var set from a ConfigMap of the same rendering, or its literal value. */
function envValue(objects: K8sObject[], env: EnvVar): string | undefined {
  if (typeof env.value === 'string') {
    return env.value;
  }
  const ref = env.valueFrom?.configMapKeyRef;
  return ref ? find(objects, 'ConfigMap', ref.name)?.data?.[ref.key] : undefined;
}

function checkContainer(objects: K8sObject[], w: K8sObject, c: Container, problems: string[]): void {
  const where = `${w.kind}/${w.metadata.name} container ${c.name}`;
  const pod = podSpecOf(w);
  const isNats = w.metadata.name === NATS;
  const expected = isNats
    ? { readinessProbe: /^\/healthz(\?|$)/, livenessProbe: /^\/healthz(\?|$)/ }
    : { readinessProbe: /^\/health\/ready$/, livenessProbe: /^\/health\/live$/ };
  for (const [probe, pattern] of Object.entries(expected) as ['readinessProbe' | 'livenessProbe', RegExp][]) {
    const actual = c[probe]?.httpGet?.path;
    if (!actual || !pattern.test(actual)) {
      problems.push(`${where}: ${probe} must be an httpGet on ${pattern.source} (is ${actual ?? 'missing'})`);
    }
  }
  for (const part of ['requests', 'limits'] as const) {
    for (const key of ['cpu', 'memory']) {
      if (c.resources?.[part]?.[key] === undefined) {
        problems.push(`${where}: resources.${part}.${key} is missing`);
      }
    }
  }
  const sc = c.securityContext ?? {};
  if ((sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot) !== true) {
    problems.push(`${where}: runAsNonRoot must be true`);
  }
  if (sc.allowPrivilegeEscalation !== false) {
    problems.push(`${where}: allowPrivilegeEscalation must be false`);
  }
  if (sc.privileged === true) {
    problems.push(`${where}: must not be privileged`);
  }
  if (sc.readOnlyRootFilesystem !== true) {
    problems.push(`${where}: readOnlyRootFilesystem must be true`);
  }
  if (!(sc.capabilities?.drop ?? []).includes('ALL') || (sc.capabilities?.add ?? []).length > 0) {
    problems.push(`${where}: capabilities must drop ALL and add none`);
  }
  const image = c.image ?? '';
  if (!/:[^/]+$/.test(image) || image.endsWith(':latest')) {
    problems.push(`${where}: image ${image} must name a tag other than latest`);
  }
  checkSecretEnv(objects, pod, c, where, problems);
}

/** A secret-looking variable comes from a Secret: secretKeyRef, or `_FILE` under a Secret volume. */
function checkSecretEnv(objects: K8sObject[], pod: PodSpec, c: Container, where: string, problems: string[]): void {
  const secretVolumes = new Set((pod.volumes ?? []).filter((v) => v.secret).map((v) => v.name));
  const secretMounts = (c.volumeMounts ?? [])
    .filter((m) => secretVolumes.has(m.name))
    .map((m) => m.mountPath.replace(/\/$/, ''));
  for (const env of c.env ?? []) {
    const isFile = env.name.endsWith('_FILE');
    const base = isFile ? env.name.slice(0, -'_FILE'.length) : env.name;
    if (!SECRET_NAME.test(base)) {
      continue;
    }
    if (isFile) {
      const value = envValue(objects, env);
      if (!value || !secretMounts.some((m) => value.startsWith(`${m}/`))) {
        problems.push(`${where}: ${env.name} must name a file of a mounted Secret volume (is ${value ?? 'unset'})`);
      }
    } else if (!env.valueFrom?.secretKeyRef) {
      problems.push(`${where}: ${env.name} must come from a secretKeyRef, not a literal or a ConfigMap`);
    }
  }
  for (const from of c.envFrom ?? []) {
    if (from.configMapRef) {
      const data = find(objects, 'ConfigMap', from.configMapRef.name)?.data ?? {};
      for (const key of Object.keys(data).filter((k) => SECRET_NAME.test(k.replace(/_FILE$/, '')))) {
        problems.push(
          `${where}: ${key} comes from the ConfigMap ${from.configMapRef.name}; a secret belongs in a Secret`,
        );
      }
    }
  }
}

function checkWorkloads(objects: K8sObject[], lists: Lists, problems: string[]): void {
  for (const w of workloadsOf(objects)) {
    const pod = podSpecOf(w);
    const where = `${w.kind}/${w.metadata.name}`;
    if (pod.automountServiceAccountToken !== false) {
      problems.push(`${where}: automountServiceAccountToken must be false (no app calls the Kubernetes API)`);
    }
    if (pod.securityContext?.seccompProfile?.type !== 'RuntimeDefault') {
      problems.push(`${where}: the pod's seccompProfile must be RuntimeDefault`);
    }
    if (pod.hostNetwork || pod.hostPID || pod.hostIPC) {
      problems.push(`${where}: must not share the host's network, PIDs or IPC`);
    }
    for (const c of [...(pod.initContainers ?? []), ...containersOf(w)]) {
      checkContainer(objects, w, c, problems);
    }
  }
  for (const name of lists.deployments) {
    const d = find(objects, 'Deployment', name);
    if (!d) {
      problems.push(`Deployment/${name} is missing`);
      continue;
    }
    if (!matches(workloadSpec(d).selector, podLabels(d))) {
      problems.push(`Deployment/${name}: its selector does not select its own pods`);
    }
    const service = objects.find((o) => {
      const selector = o.kind === 'Service' ? specOf<ServiceSpec>(o)?.selector : undefined;
      return selector !== undefined && matches({ matchLabels: selector }, podLabels(d));
    });
    if (!service) {
      problems.push(`Deployment/${name}: no Service selects its pods`);
    }
    if (lists.apps.includes(name)) {
      // Its own Secret and no other: a service never sees another's database URL or NATS password.
      const secrets = [
        ...new Set((podSpecOf(d).volumes ?? []).flatMap((v) => (v.secret ? [v.secret.secretName] : []))),
      ];
      const refs = containersOf(d).flatMap((c) =>
        (c.env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.name] : [])),
      );
      const used = [...new Set([...secrets, ...refs])].sort();
      if (used.join() !== `${name}-secrets`) {
        problems.push(
          `Deployment/${name}: must read the Secret ${name}-secrets and no other (reads [${used.join(', ')}])`,
        );
      }
    }
  }
  if (objects.some((o) => o.kind === 'Secret')) {
    problems.push('the manifests hold a Secret object: secrets are created outside the repository (create-secrets.sh)');
  }
}

function checkScaling(objects: K8sObject[], lists: Lists, problems: string[]): void {
  for (const name of lists.scaled) {
    const d = find(objects, 'Deployment', name);
    if (!d) {
      continue;
    }
    const pdbs = objects.filter(
      (o) => o.kind === 'PodDisruptionBudget' && matches(specOf<PdbSpec>(o)?.selector, podLabels(d)),
    );
    const hpas = objects.filter((o) => {
      const target = o.kind === 'HorizontalPodAutoscaler' ? specOf<HpaSpec>(o)?.scaleTargetRef : undefined;
      return target?.kind === 'Deployment' && target.name === name;
    });
    if (pdbs.length !== 1) {
      problems.push(`Deployment/${name}: ${pdbs.length} PodDisruptionBudgets select its pods (one is needed)`);
    }
    if (hpas.length !== 1) {
      problems.push(`Deployment/${name}: ${hpas.length} HorizontalPodAutoscalers scale it (one is needed)`);
      continue;
    }
    const hpa = specOf<HpaSpec>(hpas[0]) ?? {};
    const min = hpa.minReplicas ?? 1;
    if (min < 2 || (hpa.maxReplicas ?? 0) < min) {
      problems.push(`HorizontalPodAutoscaler/${name}: minReplicas must be 2 or more, maxReplicas at least that`);
    }
    if (!(hpa.metrics ?? []).length) {
      problems.push(`HorizontalPodAutoscaler/${name}: no metric to scale on`);
    }
    const minAvailable = specOf<PdbSpec>(pdbs[0])?.minAvailable;
    // A budget that needs every replica up blocks every drain.
    if (typeof minAvailable === 'number' && minAvailable >= min) {
      problems.push(
        `PodDisruptionBudget/${pdbs[0].metadata.name}: minAvailable ${minAvailable} leaves no replica of ${min} to evict`,
      );
    }
  }
}

/** Where a peer of a network policy rule lets traffic come from or go to. */
type Peer = { pods: string[] } | { namespace: Record<string, string> } | { cidr: string } | { anywhere: true };

function resolvePeers(workloads: K8sObject[], peers: PolicyPeer[] | undefined): Peer[] {
  // No `from`/`to` at all: everything.
  if (!peers || peers.length === 0) {
    return [{ anywhere: true }];
  }
  return peers.map((p): Peer => {
    if (p.ipBlock) {
      return { cidr: p.ipBlock.cidr };
    }
    if (p.namespaceSelector) {
      const labels = p.namespaceSelector.matchLabels ?? {};
      return Object.keys(labels).length === 0 && !p.namespaceSelector.matchExpressions
        ? { anywhere: true }
        : { namespace: labels };
    }
    const selector = p.podSelector;
    if (selector) {
      return { pods: workloads.filter((w) => matches(selector, podLabels(w))).map((w) => w.metadata.name) };
    }
    return { anywhere: true };
  });
}

const coversPort = (ports: PolicyRule['ports'], port: number) =>
  !ports || ports.length === 0 || ports.some((p) => p.port === undefined || p.port === port);

/**
 * What the network policies let reach `target`'s pods on `port` (ingress), or let `target`'s
 * pods reach on `port` (egress): the union over every policy selecting those pods, as
 * Kubernetes applies it. `undefined`: no policy of that direction selects the pods (all allowed).
 */
export function allowedPeers(
  objects: K8sObject[],
  target: string,
  direction: 'ingress' | 'egress',
  port: number,
): Peer[] | undefined {
  const workloads = workloadsOf(objects);
  const w = workloads.find((o) => o.metadata.name === target);
  if (!w) {
    return [];
  }
  const type = direction === 'ingress' ? 'Ingress' : 'Egress';
  const policies = objects
    .filter((o) => o.kind === 'NetworkPolicy')
    .map((o) => specOf<NetworkPolicySpec>(o) ?? {})
    .filter((p) => matches(p.podSelector ?? {}, podLabels(w)) && (p.policyTypes ?? ['Ingress']).includes(type));
  if (policies.length === 0) {
    return undefined;
  }
  return policies.flatMap((p) =>
    (p[direction] ?? [])
      .filter((rule) => coversPort(rule.ports, port))
      .flatMap((rule) => resolvePeers(workloads, direction === 'ingress' ? rule.from : rule.to)),
  );
}

const podsOf = (peers: Peer[] | undefined) =>
  [...new Set((peers ?? []).flatMap((p) => ('pods' in p ? p.pods : [])))].sort();
const describe = (peers: Peer[] | undefined) =>
  peers === undefined ? 'anything (no policy)' : JSON.stringify(peers.filter((p) => !('pods' in p)));

function checkNetworkPolicies(objects: K8sObject[], lists: Lists, problems: string[]): void {
  const denyAll = objects.some((o) => {
    const p = o.kind === 'NetworkPolicy' ? specOf<NetworkPolicySpec>(o) : undefined;
    return (
      p !== undefined &&
      Object.keys(p.podSelector ?? {}).length === 0 &&
      ['Ingress', 'Egress'].every((t) => (p.policyTypes ?? []).includes(t)) &&
      !(p.ingress ?? []).length &&
      !(p.egress ?? []).length
    );
  });
  if (!denyAll) {
    problems.push('NetworkPolicy: no default deny (podSelector {}, Ingress and Egress, no rules)');
  }
  const apps = [...lists.apps].sort();
  const only = (label: string, peers: Peer[] | undefined, pods: string[]) => {
    const external = (peers ?? []).filter((p) => !('pods' in p));
    if (peers === undefined || external.length > 0 || podsOf(peers).join() !== pods.join()) {
      problems.push(
        `NetworkPolicy: ${label} is open to pods [${podsOf(peers).join(', ')}] and ${describe(peers)}; only [${pods.join(', ')}] may`,
      );
    }
  };
  only(`NATS ingress on ${NATS_CLIENT_PORT}`, allowedPeers(objects, NATS, 'ingress', NATS_CLIENT_PORT), apps);
  only(`NATS ingress on ${NATS_ROUTE_PORT}`, allowedPeers(objects, NATS, 'ingress', NATS_ROUTE_PORT), [NATS]);
  for (const w of workloadsOf(objects)) {
    const name = w.metadata.name;
    const toNats = podsOf(allowedPeers(objects, name, 'egress', NATS_CLIENT_PORT)).includes(NATS);
    const toDb = allowedPeers(objects, name, 'egress', POSTGRES_PORT);
    const isApp = lists.apps.includes(name);
    if (toNats !== isApp) {
      problems.push(`NetworkPolicy: ${name} ${isApp ? 'cannot' : 'can'} reach NATS on ${NATS_CLIENT_PORT}`);
    }
    const dbPeers = (toDb ?? []).filter((p) => !('pods' in p && p.pods.length === 0));
    if (isApp && !dbPeers.some((p) => 'cidr' in p || 'namespace' in p)) {
      problems.push(`NetworkPolicy: ${name} cannot reach PostgreSQL on ${POSTGRES_PORT}`);
    }
    if (!isApp && (toDb === undefined || dbPeers.length > 0)) {
      problems.push(`NetworkPolicy: ${name} can reach PostgreSQL on ${POSTGRES_PORT}`);
    }
    if (dbPeers.some((p) => 'anywhere' in p || ('cidr' in p && p.cidr.endsWith('/0')))) {
      problems.push(`NetworkPolicy: ${name} may reach port ${POSTGRES_PORT} anywhere; name the database's address`);
    }
    const dns = allowedPeers(objects, name, 'egress', DNS_PORT);
    if (dns !== undefined && !dns.some((p) => 'namespace' in p || 'anywhere' in p)) {
      problems.push(`NetworkPolicy: ${name} cannot look up names (DNS egress on ${DNS_PORT})`);
    }
  }
  for (const name of lists.deployments) {
    const d = find(objects, 'Deployment', name);
    const port = d && containersOf(d)[0]?.ports?.[0]?.containerPort;
    if (!port) {
      continue;
    }
    const peers = allowedPeers(objects, name, 'ingress', port);
    if (peers !== undefined && !peers.some((p) => 'namespace' in p)) {
      problems.push(`NetworkPolicy: ${name}'s HTTP port ${port} cannot be reached from the ingress controller`);
    }
    if (peers?.some((p) => 'anywhere' in p || 'cidr' in p)) {
      problems.push(`NetworkPolicy: ${name}'s HTTP port ${port} is open beyond the ingress controller`);
    }
  }
}

function checkNats(objects: K8sObject[], lists: Lists, problems: string[]): void {
  const nats = find(objects, 'StatefulSet', NATS);
  if (!nats) {
    problems.push('StatefulSet/nats is missing');
    return;
  }
  const spec = workloadSpec(nats);
  const replicas = spec.replicas ?? 1;
  if (replicas !== 3) {
    problems.push(`StatefulSet/nats: ${replicas} replicas; the JetStream cluster needs 3`);
  }
  const c: Container = containersOf(nats)[0] ?? { name: '' };
  const version = /^nats:(\d+)\.(\d+)/.exec((c.image ?? '').replace(/^.*\//, ''));
  if (!version || Number(version[1]) * 100 + Number(version[2]) < 210) {
    problems.push(`StatefulSet/nats: image ${c.image} must be nats:2.10 or later`);
  }
  const serviceName = spec.serviceName ?? '';
  if (specOf<ServiceSpec>(find(objects, 'Service', serviceName))?.clusterIP !== 'None') {
    problems.push(`StatefulSet/nats: its serviceName ${serviceName} must be a headless Service`);
  }
  const args = [...(c.command ?? []), ...(c.args ?? [])];
  const arg = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const mounts = c.volumeMounts ?? [];
  const configMount = mounts.find((m) => m.mountPath === '/etc/nats');
  const configVolume = (podSpecOf(nats).volumes ?? []).find((v) => v.name === configMount?.name);
  const config = configVolume?.configMap && find(objects, 'ConfigMap', configVolume.configMap.name)?.data;
  if (!config || !/^jetstream:\s*enabled/m.test(config['nats.conf'] ?? '')) {
    problems.push('StatefulSet/nats: /etc/nats must hold a nats.conf with jetstream enabled');
  }
  const store = arg('--store_dir');
  const claims = (spec.volumeClaimTemplates ?? []).map((t) => t.metadata.name);
  const storeMount = mounts.find((m) => m.mountPath === store);
  if (!store || !storeMount || !claims.includes(storeMount.name)) {
    problems.push('StatefulSet/nats: the JetStream store (--store_dir) must be on a volumeClaimTemplate');
  }
  const routes = (arg('--routes') ?? '').split(',').filter(Boolean);
  const nodes = Array.from({ length: replicas }, (_, i) => `nats-${i}.${serviceName}`);
  if (
    !nodes.every((n) =>
      routes.some((u) => u.endsWith(`@${n}:${NATS_ROUTE_PORT}`) || u.endsWith(`//${n}:${NATS_ROUTE_PORT}`)),
    )
  ) {
    problems.push(`StatefulSet/nats: --routes must name every node (${nodes.join(', ')})`);
  }
  const natsEnv = (containersOf(nats)[0]?.env ?? []).map((e) => e.name);
  const natsConf = config?.['nats.conf'] ?? '';
  for (const app of lists.apps) {
    const variable = `NATS_${app.toUpperCase().replace(/-/g, '_')}_PASSWORD`;
    if (!new RegExp(`^\\s*user:\\s*${app}\\s*$`, 'm').test(natsConf)) {
      problems.push(`StatefulSet/nats: its nats.conf has no user ${app}`);
    } else if (natsConf.includes(`$${variable}`) && !natsEnv.includes(variable)) {
      problems.push(`StatefulSet/nats: ${variable} (${app}'s NATS password, read by nats.conf) is not set`);
    }
    const d = find(objects, 'Deployment', app);
    const env = d ? (containersOf(d)[0]?.env ?? []) : [];
    const value = (name: string) => {
      const e = env.find((x) => x.name === name);
      return e ? envValue(objects, e) : undefined;
    };
    if (value('NATS_USER') !== app || value('NATS_INBOX_PREFIX') !== `_INBOX_${app}`) {
      problems.push(`Deployment/${app}: NATS_USER must be ${app} and NATS_INBOX_PREFIX _INBOX_${app} (nats.conf)`);
    }
    if (value('NATS_REPLICAS') !== String(replicas)) {
      problems.push(`Deployment/${app}: NATS_REPLICAS is ${value('NATS_REPLICAS')}; the KV buckets need ${replicas}`);
    }
    const urls = (value('NATS_URL') ?? '').split(',');
    if (!nodes.every((n) => urls.includes(`nats://${n}:${NATS_CLIENT_PORT}`))) {
      problems.push(`Deployment/${app}: NATS_URL must list every NATS node`);
    }
  }
}

interface IngressSpec {
  rules?: { host?: string; http?: { paths?: { backend?: { service?: { name?: string } } }[] } }[];
}

/** With `ingress`: an Ingress routes to every Deployment's Service. */
function checkIngress(objects: K8sObject[], lists: Lists, problems: string[]): void {
  const backends = new Set(
    objects
      .filter((o) => o.kind === 'Ingress')
      .flatMap((o) => specOf<IngressSpec>(o)?.rules ?? [])
      .flatMap((r) => r.http?.paths ?? [])
      .map((p) => p.backend?.service?.name),
  );
  for (const name of lists.deployments) {
    if (!backends.has(name)) {
      problems.push(`Ingress: no rule routes to the Service ${name}`);
    }
  }
}

/**
 * Every broken rule, one line each; empty when the manifests keep them all. `apps` defaults to
 * this repository's services.json; `ingress` asks for an Ingress to every Deployment (production).
 */
export function checkManifests(objects: K8sObject[], options: CheckOptions = {}): string[] {
  const lists = listsOf(options.apps ?? APPS);
  const problems: string[] = [];
  checkWorkloads(objects, lists, problems);
  checkScaling(objects, lists, problems);
  checkNetworkPolicies(objects, lists, problems);
  checkNats(objects, lists, problems);
  if (options.ingress) {
    checkIngress(objects, lists, problems);
  }
  return problems;
}

/**
 * A checkout's deploy/k8s, for the services of its own services.json: the base and the
 * production overlay rendered and checked (production with its Ingress), and
 * deploy/k8s/base/nats/nats.conf equal to docker/nats/nats.conf (kustomize reads no file outside
 * its folder, so the NATS nodes run on the copy).
 */
export function checkDeploy(root = REPOSITORY): string[] {
  const apps = servicesOf(root);
  const k8s = path.join(root, 'deploy/k8s');
  const problems = [
    ...checkManifests(renderKustomization(path.join(k8s, 'base')), { apps }).map((p) => `base: ${p}`),
    ...checkManifests(renderKustomization(path.join(k8s, 'overlays/production')), { apps, ingress: true }).map(
      (p) => `production: ${p}`,
    ),
  ];
  if (
    readFileSync(path.join(k8s, 'base/nats/nats.conf'), 'utf8') !==
    readFileSync(path.join(root, 'docker/nats/nats.conf'), 'utf8')
  ) {
    problems.push('deploy/k8s/base/nats/nats.conf differs from docker/nats/nats.conf; copy it over');
  }
  return problems;
}
