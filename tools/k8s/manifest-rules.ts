// The rules deploy/k8s must keep, checked on what `kubectl kustomize` renders (no cluster, no
// schema download): probes, resources, security contexts, secrets only from Secret objects,
// disruption budgets and autoscalers, the network policies around NATS and PostgreSQL, and the
// NATS JetStream cluster. `checkManifests` lists every broken rule, so a spec can show both that
// the real manifests pass and that a broken copy fails.
import { execFileSync } from 'node:child_process';

import { parseAllDocuments } from 'yaml';

/** The parts of a Kubernetes object these rules read; everything else passes through unread. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- rendered YAML of many kinds
  data?: Record<string, string>;
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** The apps: HTTP services with the platform's health routes, each with its own NATS user. */
export const APPS = ['auth', 'orders', 'profile'] as const;
/** Every Deployment the manifests must have (the apps and the web console). */
export const DEPLOYMENTS = [...APPS, 'web'] as const;
/** Scaled horizontally: a PodDisruptionBudget and a HorizontalPodAutoscaler each. */
export const SCALED = ['orders', 'profile'] as const;
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
  const out = execFileSync('kubectl', ['kustomize', dir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 16 * 1024 * 1024,
  });
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

const podLabels = (w: K8sObject): Record<string, string> => w.spec?.template?.metadata?.labels ?? {};
const containersOf = (w: K8sObject): any[] => w.spec?.template?.spec?.containers ?? []; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The value of an env var set from a ConfigMap of the same rendering, or its literal value. */
function envValue(objects: K8sObject[], env: any): string | undefined {
  if (typeof env.value === 'string') {
    return env.value;
  }
  const ref = env.valueFrom?.configMapKeyRef;
  return ref ? find(objects, 'ConfigMap', ref.name)?.data?.[ref.key] : undefined;
}

function checkContainer(objects: K8sObject[], w: K8sObject, c: any, problems: string[]): void {
  const where = `${w.kind}/${w.metadata.name} container ${c.name}`;
  const pod = w.spec.template.spec;
  const isNats = w.metadata.name === NATS;
  const probePath = (probe: string) => c[probe]?.httpGet?.path as string | undefined;
  const expected = isNats
    ? { readinessProbe: /^\/healthz(\?|$)/, livenessProbe: /^\/healthz(\?|$)/ }
    : { readinessProbe: /^\/health\/ready$/, livenessProbe: /^\/health\/live$/ };
  for (const [probe, path] of Object.entries(expected)) {
    const actual = probePath(probe);
    if (!actual || !path.test(actual)) {
      problems.push(`${where}: ${probe} must be an httpGet on ${path.source} (is ${actual ?? 'missing'})`);
    }
  }
  for (const [part, keys] of [
    ['requests', ['cpu', 'memory']],
    ['limits', ['cpu', 'memory']],
  ] as const) {
    for (const key of keys) {
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
  const image = String(c.image ?? '');
  if (!/:[^/]+$/.test(image) || image.endsWith(':latest')) {
    problems.push(`${where}: image ${image} must name a tag other than latest`);
  }
  checkSecretEnv(objects, w, c, where, problems);
}

/** A secret-looking variable comes from a Secret: secretKeyRef, or `_FILE` under a Secret volume. */
function checkSecretEnv(objects: K8sObject[], w: K8sObject, c: any, where: string, problems: string[]): void {
  const secretVolumes = new Set(
    (w.spec.template.spec.volumes ?? []).filter((v: any) => v.secret).map((v: any) => v.name as string),
  );
  const secretMounts: string[] = (c.volumeMounts ?? [])
    .filter((m: any) => secretVolumes.has(m.name))
    .map((m: any) => String(m.mountPath).replace(/\/$/, ''));
  for (const env of c.env ?? []) {
    const name = String(env.name);
    const isFile = name.endsWith('_FILE');
    const base = isFile ? name.slice(0, -'_FILE'.length) : name;
    if (!SECRET_NAME.test(base)) {
      continue;
    }
    if (isFile) {
      const value = envValue(objects, env);
      if (!value || !secretMounts.some((m) => value.startsWith(`${m}/`))) {
        problems.push(`${where}: ${name} must name a file of a mounted Secret volume (is ${value ?? 'unset'})`);
      }
    } else if (!env.valueFrom?.secretKeyRef) {
      problems.push(`${where}: ${name} must come from a secretKeyRef, not a literal or a ConfigMap`);
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

function checkWorkloads(objects: K8sObject[], problems: string[]): void {
  for (const w of objects.filter((o) => workloadKinds.has(o.kind))) {
    const pod = w.spec?.template?.spec ?? {};
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
  for (const name of DEPLOYMENTS) {
    const d = find(objects, 'Deployment', name);
    if (!d) {
      problems.push(`Deployment/${name} is missing`);
      continue;
    }
    if (!matches(d.spec.selector, podLabels(d))) {
      problems.push(`Deployment/${name}: its selector does not select its own pods`);
    }
    const service = objects.find(
      (o) => o.kind === 'Service' && o.spec?.selector && matches({ matchLabels: o.spec.selector }, podLabels(d)),
    );
    if (!service) {
      problems.push(`Deployment/${name}: no Service selects its pods`);
    }
  }
  if (objects.some((o) => o.kind === 'Secret')) {
    problems.push('the manifests hold a Secret object: secrets are created outside the repository (create-secrets.sh)');
  }
}

function checkScaling(objects: K8sObject[], problems: string[]): void {
  for (const name of SCALED) {
    const d = find(objects, 'Deployment', name);
    if (!d) {
      continue;
    }
    const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget' && matches(o.spec?.selector, podLabels(d)));
    const hpas = objects.filter(
      (o) =>
        o.kind === 'HorizontalPodAutoscaler' &&
        o.spec?.scaleTargetRef?.kind === 'Deployment' &&
        o.spec?.scaleTargetRef?.name === name,
    );
    if (pdbs.length !== 1) {
      problems.push(`Deployment/${name}: ${pdbs.length} PodDisruptionBudgets select its pods (one is needed)`);
    }
    if (hpas.length !== 1) {
      problems.push(`Deployment/${name}: ${hpas.length} HorizontalPodAutoscalers scale it (one is needed)`);
      continue;
    }
    const hpa = hpas[0].spec;
    if (!(hpa.minReplicas >= 2) || !(hpa.maxReplicas >= hpa.minReplicas)) {
      problems.push(`HorizontalPodAutoscaler/${name}: minReplicas must be 2 or more, maxReplicas at least that`);
    }
    if (!(hpa.metrics ?? []).length) {
      problems.push(`HorizontalPodAutoscaler/${name}: no metric to scale on`);
    }
    const minAvailable = pdbs[0]?.spec?.minAvailable;
    // A budget that needs every replica up blocks every drain.
    if (typeof minAvailable === 'number' && minAvailable >= hpa.minReplicas) {
      problems.push(
        `PodDisruptionBudget/${pdbs[0].metadata.name}: minAvailable ${minAvailable} leaves no replica of ${hpa.minReplicas} to evict`,
      );
    }
  }
}

/** Where a peer of a network policy rule lets traffic come from or go to. */
type Peer = { pods: string[] } | { namespace: Record<string, string> } | { cidr: string } | { anywhere: true };

function resolvePeers(workloads: K8sObject[], peers: any[] | undefined): Peer[] {
  // No `from`/`to` at all, or an empty peer: everything.
  if (!peers || peers.length === 0) {
    return [{ anywhere: true }];
  }
  return peers.map((p): Peer => {
    if (p.ipBlock) {
      return { cidr: String(p.ipBlock.cidr) };
    }
    if (p.namespaceSelector) {
      const labels = p.namespaceSelector.matchLabels ?? {};
      return Object.keys(labels).length === 0 && !p.namespaceSelector.matchExpressions
        ? { anywhere: true }
        : { namespace: labels };
    }
    if (p.podSelector) {
      return { pods: workloads.filter((w) => matches(p.podSelector, podLabels(w))).map((w) => w.metadata.name) };
    }
    return { anywhere: true };
  });
}

const coversPort = (ports: any[] | undefined, port: number) =>
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
  const workloads = objects.filter((o) => workloadKinds.has(o.kind));
  const w = workloads.find((o) => o.metadata.name === target);
  if (!w) {
    return [];
  }
  const type = direction === 'ingress' ? 'Ingress' : 'Egress';
  const policies = objects.filter(
    (o) =>
      o.kind === 'NetworkPolicy' &&
      matches(o.spec?.podSelector ?? {}, podLabels(w)) &&
      (o.spec?.policyTypes ?? ['Ingress']).includes(type),
  );
  if (policies.length === 0) {
    return undefined;
  }
  return policies.flatMap((p) =>
    ((p.spec[direction] ?? []) as any[])
      .filter((rule) => coversPort(rule.ports, port))
      .flatMap((rule) => resolvePeers(workloads, direction === 'ingress' ? rule.from : rule.to)),
  );
}

const podsOf = (peers: Peer[] | undefined) =>
  [...new Set((peers ?? []).flatMap((p) => ('pods' in p ? p.pods : [])))].sort();
const describe = (peers: Peer[] | undefined) =>
  peers === undefined ? 'anything (no policy)' : JSON.stringify(peers.filter((p) => !('pods' in p)));

function checkNetworkPolicies(objects: K8sObject[], problems: string[]): void {
  const denyAll = objects.some(
    (o) =>
      o.kind === 'NetworkPolicy' &&
      Object.keys(o.spec?.podSelector ?? {}).length === 0 &&
      ['Ingress', 'Egress'].every((t) => (o.spec?.policyTypes ?? []).includes(t)) &&
      !(o.spec?.ingress ?? []).length &&
      !(o.spec?.egress ?? []).length,
  );
  if (!denyAll) {
    problems.push('NetworkPolicy: no default deny (podSelector {}, Ingress and Egress, no rules)');
  }
  const apps = [...APPS].sort();
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
  for (const w of objects.filter((o) => workloadKinds.has(o.kind))) {
    const name = w.metadata.name;
    const toNats = podsOf(allowedPeers(objects, name, 'egress', NATS_CLIENT_PORT)).includes(NATS);
    const toDb = allowedPeers(objects, name, 'egress', POSTGRES_PORT);
    const isApp = (APPS as readonly string[]).includes(name);
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
  for (const name of DEPLOYMENTS) {
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

function checkNats(objects: K8sObject[], problems: string[]): void {
  const nats = find(objects, 'StatefulSet', NATS);
  if (!nats) {
    problems.push('StatefulSet/nats is missing');
    return;
  }
  const replicas = nats.spec.replicas as number;
  if (replicas !== 3) {
    problems.push(`StatefulSet/nats: ${replicas} replicas; the JetStream cluster needs 3`);
  }
  const c = containersOf(nats)[0] ?? {};
  const version = /^nats:(\d+)\.(\d+)/.exec(String(c.image).replace(/^.*\//, ''));
  if (!version || Number(version[1]) * 100 + Number(version[2]) < 210) {
    problems.push(`StatefulSet/nats: image ${c.image} must be nats:2.10 or later`);
  }
  const headless = find(objects, 'Service', nats.spec.serviceName);
  if (!headless || headless.spec.clusterIP !== 'None') {
    problems.push(`StatefulSet/nats: its serviceName ${nats.spec.serviceName} must be a headless Service`);
  }
  const args: string[] = [...(c.command ?? []), ...(c.args ?? [])].map(String);
  const arg = (flag: string) => args[args.indexOf(flag) + 1];
  const configMount = (c.volumeMounts ?? []).find((m: any) => m.mountPath === '/etc/nats');
  const configVolume = (nats.spec.template.spec.volumes ?? []).find((v: any) => v.name === configMount?.name);
  const config = configVolume && find(objects, 'ConfigMap', configVolume.configMap?.name)?.data;
  if (!config || !/^jetstream:\s*enabled/m.test(config['nats.conf'] ?? '')) {
    problems.push('StatefulSet/nats: /etc/nats must hold a nats.conf with jetstream enabled');
  }
  const store = arg('--store_dir');
  const claims = (nats.spec.volumeClaimTemplates ?? []).map((t: any) => t.metadata.name as string);
  const storeMount = (c.volumeMounts ?? []).find((m: any) => m.mountPath === store);
  if (!store || !storeMount || !claims.includes(storeMount.name)) {
    problems.push('StatefulSet/nats: the JetStream store (--store_dir) must be on a volumeClaimTemplate');
  }
  const routes = (arg('--routes') ?? '').split(',').filter(Boolean);
  const expectedRoutes = Array.from({ length: replicas }, (_, i) => `nats-${i}.${nats.spec.serviceName}:6222`);
  if (!expectedRoutes.every((r) => routes.some((u) => u.endsWith(`@${r}`) || u.endsWith(`//${r}`)))) {
    problems.push(`StatefulSet/nats: --routes must name every node (${expectedRoutes.join(', ')})`);
  }
  for (const app of APPS) {
    const d = find(objects, 'Deployment', app);
    const env = d ? (containersOf(d)[0]?.env ?? []) : [];
    const value = (name: string) => {
      const e = env.find((x: any) => x.name === name);
      return e ? envValue(objects, e) : undefined;
    };
    if (value('NATS_USER') !== app || value('NATS_INBOX_PREFIX') !== `_INBOX_${app}`) {
      problems.push(`Deployment/${app}: NATS_USER must be ${app} and NATS_INBOX_PREFIX _INBOX_${app} (nats.conf)`);
    }
    if (value('NATS_REPLICAS') !== String(replicas)) {
      problems.push(`Deployment/${app}: NATS_REPLICAS is ${value('NATS_REPLICAS')}; the KV buckets need ${replicas}`);
    }
    const urls = value('NATS_URL') ?? '';
    if (!expectedRoutes.every((r) => urls.includes(r.replace(':6222', ':4222')))) {
      problems.push(`Deployment/${app}: NATS_URL must list every NATS node`);
    }
  }
}

/** Every broken rule, one line each; empty when the manifests keep them all. */
export function checkManifests(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  checkWorkloads(objects, problems);
  checkScaling(objects, problems);
  checkNetworkPolicies(objects, problems);
  checkNats(objects, problems);
  return problems;
}
