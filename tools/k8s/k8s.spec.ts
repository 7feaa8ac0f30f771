import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { parse } from 'yaml';

import {
  APPS,
  checkDeploy,
  checkManifests,
  DEPLOYMENTS,
  find,
  renderKustomization,
  SCALED,
  specOf,
  type Container,
  type HpaSpec,
  type K8sObject,
  type NetworkPolicySpec,
  type PdbSpec,
  type WorkloadSpec,
} from './manifest-rules';

interface IngressSpec {
  rules: { http: { paths: { backend: { service: { name: string } } }[] } }[];
  tls: { secretName: string }[];
}

const root = path.resolve(__dirname, '../..');
const base = path.join(root, 'deploy/k8s/base');
const production = path.join(root, 'deploy/k8s/overlays/production');

const workload = (objects: K8sObject[], kind: string, name: string) => specOf<WorkloadSpec>(find(objects, kind, name));
const container = (objects: K8sObject[], kind: string, name: string): Container =>
  workload(objects, kind, name)?.template.spec.containers[0] ?? { name: 'missing' };
/** `NAME` of an app's `<NAME>_...` variables: upper case, "-" as "_". */
const constant = (app: string) => app.toUpperCase().replace(/-/g, '_');
/** Pod names as the checker lists them: sorted, comma-separated. */
const podList = (names: readonly string[]) => [...names].sort().join(', ');
const memoryMi = (q: string | number | undefined) => {
  const m = /^(\d+)(Mi|Gi)$/.exec(String(q));
  return m ? Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1) : NaN;
};

describe('deploy/k8s rendered by kubectl kustomize', () => {
  let baseObjects: K8sObject[];
  let prodObjects: K8sObject[];

  beforeAll(() => {
    baseObjects = renderKustomization(base);
    prodObjects = renderKustomization(production);
  });

  it('keeps every rule in the base and in the production overlay', () => {
    expect(baseObjects.length).toBeGreaterThan(20);
    expect(checkManifests(baseObjects)).toEqual([]);
    expect(checkManifests(prodObjects, { ingress: true })).toEqual([]);
  });

  it('holds every service of scripts/lib/services.json to them, and both nats.conf copies equal', () => {
    expect(APPS.slice(0, 3)).toEqual(['auth', 'orders', 'profile']);
    for (const app of APPS) {
      expect(find(baseObjects, 'Deployment', app)).toBeDefined();
      expect(find(prodObjects, 'Deployment', app)).toBeDefined();
    }
    expect(checkDeploy()).toEqual([]);
  });

  it('runs the NATS nodes on a verbatim copy of docker/nats/nats.conf, which nats-server accepts', () => {
    const volumes = workload(baseObjects, 'StatefulSet', 'nats')?.template.spec.volumes ?? [];
    const configMap = volumes.find((v) => v.name === 'config')?.configMap?.name ?? 'missing';
    const config = find(baseObjects, 'ConfigMap', configMap)?.data ?? {};
    expect(config['nats.conf']).toBe(readFileSync(path.join(root, 'docker/nats/nats.conf'), 'utf8'));
    expect(config['cluster.conf']).toMatch(/^include \.\/nats\.conf$/m);

    // nats-server itself parses the pair (CI installs it; -t checks and exits).
    const dir = mkdtempSync(path.join(tmpdir(), 'tessera-k8s-nats-'));
    try {
      for (const [file, text] of Object.entries(config)) {
        writeFileSync(path.join(dir, file), text);
      }
      const password = (n: number) => `p${String(n).repeat(40)}`;
      const result = spawnSync('nats-server', ['-t', '-c', path.join(dir, 'cluster.conf')], {
        env: {
          PATH: `${process.env.PATH ?? ''}:/usr/sbin`,
          POD_NAME: 'nats-0',
          NATS_ROUTE_PASSWORD: password(1),
          ...Object.fromEntries(APPS.map((app, i) => [`NATS_${constant(app)}_PASSWORD`, password(i + 2)])),
        },
        encoding: 'utf8',
      });
      expect(result.error).toBeUndefined();
      expect(`${result.stdout}${result.stderr}`).toContain('configuration file');
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('scales and pins production: more replicas and memory, versioned images, the real database network', () => {
    const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
    for (const name of DEPLOYMENTS) {
      const b = workload(baseObjects, 'Deployment', name);
      const p = workload(prodObjects, 'Deployment', name);
      expect(p?.replicas).toBeGreaterThanOrEqual(2);
      expect(p?.replicas).toBeGreaterThan(b?.replicas ?? 0);
      const [bc, pc] = [container(baseObjects, 'Deployment', name), container(prodObjects, 'Deployment', name)];
      expect(memoryMi(pc.resources?.limits?.memory)).toBeGreaterThanOrEqual(memoryMi(bc.resources?.limits?.memory));
      expect(pc.image).toBe(`registry.example.com/tessera/${name}:${version}`);
    }
    for (const name of SCALED) {
      expect(specOf<HpaSpec>(find(prodObjects, 'HorizontalPodAutoscaler', name))?.minReplicas).toBe(3);
      expect(specOf<PdbSpec>(find(prodObjects, 'PodDisruptionBudget', name))?.minAvailable).toBe(2);
    }
    expect(specOf<PdbSpec>(find(prodObjects, 'PodDisruptionBudget', 'auth'))?.maxUnavailable).toBe(1);
    expect(container(prodObjects, 'StatefulSet', 'nats').image).toMatch(/^nats:2\.10\.\d+-alpine$/);
    expect(
      workload(prodObjects, 'StatefulSet', 'nats')?.template.spec.affinity?.podAntiAffinity
        ?.requiredDuringSchedulingIgnoredDuringExecution,
    ).toHaveLength(1);
    const cidr = (objects: K8sObject[]) =>
      specOf<NetworkPolicySpec>(find(objects, 'NetworkPolicy', 'apps-to-postgres'))?.egress?.[0].to?.[0].ipBlock?.cidr;
    expect(cidr(baseObjects)).toBe('192.0.2.10/32');
    expect(cidr(prodObjects)).not.toBe(cidr(baseObjects));
    const settings = prodObjects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('tessera-settings'));
    expect(settings?.data?.AUTH_ISSUER).toMatch(/^https:\/\//);
    expect(settings?.data?.WEB_ORIGIN).toMatch(/^https:\/\//);
    const ingress = specOf<IngressSpec>(find(prodObjects, 'Ingress', 'tessera'));
    const backends = ingress?.rules.map((r) => r.http.paths[0].backend.service.name).sort();
    expect(backends).toEqual([...DEPLOYMENTS].sort());
    expect(ingress?.tls[0].secretName).toBe('tessera-tls');
    expect(prodObjects.every((o) => o.kind === 'Namespace' || o.metadata.namespace === 'tessera')).toBe(true);
  });
});

interface BrokenCase {
  broken: string;
  patches: { kind: string; group?: string; target: string; ops: object[] }[];
  extra?: string;
  expected: string[];
}

describe('the manifest checker on broken copies', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tessera-k8s-broken-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The base plus JSON patches, rendered by kubectl from a kustomization in a temporary directory. */
  /** The base plus JSON patches (and any other kustomization text), rendered from a temporary directory. */
  const renderBroken = (
    name: string,
    patches: { kind: string; group?: string; target: string; ops: object[] }[],
    extra = '',
  ) => {
    const overlay = path.join(dir, name);
    mkdirSync(overlay);
    const entries = patches.map((p, i) => {
      writeFileSync(path.join(overlay, `patch-${i}.yaml`), JSON.stringify(p.ops));
      const group = p.group ? `      group: ${p.group}\n` : '';
      const version = p.kind === 'HorizontalPodAutoscaler' ? 'v2' : 'v1';
      return `  - target:\n${group}      version: ${version}\n      kind: ${p.kind}\n      name: ${p.target}\n    path: patch-${i}.yaml\n`;
    });
    writeFileSync(
      path.join(overlay, 'kustomization.yaml'),
      `bases:\n  - ${path.relative(overlay, base)}\n${entries.length ? `patchesJson6902:\n${entries.join('')}` : ''}${extra}`,
    );
    return checkManifests(renderKustomization(overlay));
  };
  const container0 = '/spec/template/spec/containers/0';

  it.each<BrokenCase>([
    {
      broken: 'a missing readiness probe',
      patches: [
        {
          kind: 'Deployment',
          group: 'apps',
          target: 'orders',
          ops: [{ op: 'remove', path: `${container0}/readinessProbe` }],
        },
      ],
      expected: [
        'Deployment/orders container orders: readinessProbe must be an httpGet on ^\\/health\\/ready$ (is missing)',
      ],
    },
    {
      broken: 'a liveness probe on the wrong path',
      patches: [
        {
          kind: 'Deployment',
          group: 'apps',
          target: 'auth',
          ops: [{ op: 'replace', path: `${container0}/livenessProbe/httpGet/path`, value: '/health/ready' }],
        },
      ],
      expected: [
        'Deployment/auth container auth: livenessProbe must be an httpGet on ^\\/health\\/live$ (is /health/ready)',
      ],
    },
    {
      broken: 'no memory limit, a writable root filesystem and a capability kept',
      patches: [
        {
          kind: 'Deployment',
          group: 'apps',
          target: 'profile',
          ops: [
            { op: 'remove', path: `${container0}/resources/limits/memory` },
            { op: 'replace', path: `${container0}/securityContext/readOnlyRootFilesystem`, value: false },
            {
              op: 'replace',
              path: `${container0}/securityContext/capabilities`,
              value: { drop: ['ALL'], add: ['NET_ADMIN'] },
            },
          ],
        },
      ],
      expected: [
        'Deployment/profile container profile: resources.limits.memory is missing',
        'Deployment/profile container profile: readOnlyRootFilesystem must be true',
        'Deployment/profile container profile: capabilities must drop ALL and add none',
      ],
    },
    {
      broken: 'a literal password, a database URL from a ConfigMap and a secret file outside the Secret volume',
      patches: [
        {
          kind: 'Deployment',
          group: 'apps',
          target: 'orders',
          ops: [
            {
              op: 'add',
              path: `${container0}/env/-`,
              value: { name: 'AUTH_HS256_SECRET', value: 'not-a-secret-any-more' },
            },
            {
              op: 'add',
              path: `${container0}/env/-`,
              value: {
                name: 'ORDERS_DATABASE_URL',
                valueFrom: { configMapKeyRef: { name: 'tessera-settings', key: 'LOG_LEVEL' } },
              },
            },
            {
              op: 'add',
              path: `${container0}/env/-`,
              value: { name: 'SERVICE_CLIENT_SECRET_FILE', value: '/tmp/secret' },
            },
          ],
        },
      ],
      expected: [
        'Deployment/orders container orders: AUTH_HS256_SECRET must come from a secretKeyRef, not a literal or a ConfigMap',
        'Deployment/orders container orders: ORDERS_DATABASE_URL must come from a secretKeyRef, not a literal or a ConfigMap',
        'Deployment/orders container orders: SERVICE_CLIENT_SECRET_FILE must name a file of a mounted Secret volume (is /tmp/secret)',
      ],
    },
    {
      broken: 'the web console let into NATS and to the database',
      patches: [
        {
          kind: 'NetworkPolicy',
          group: 'networking.k8s.io',
          target: 'nats',
          ops: [
            {
              op: 'add',
              path: '/spec/ingress/0/from/-',
              value: { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'web' } } },
            },
          ],
        },
        {
          kind: 'NetworkPolicy',
          group: 'networking.k8s.io',
          target: 'apps-to-postgres',
          ops: [{ op: 'add', path: '/spec/podSelector/matchExpressions/0/values/-', value: 'web' }],
        },
      ],
      expected: [
        `NetworkPolicy: NATS ingress on 4222 is open to pods [${podList([...APPS, 'web'])}] and []; only [${podList(APPS)}] may`,
        'NetworkPolicy: web can reach PostgreSQL on 5432',
      ],
    },
    {
      broken: 'no default deny, NATS open to any namespace, the database anywhere',
      patches: [
        {
          kind: 'NetworkPolicy',
          group: 'networking.k8s.io',
          target: 'default-deny',
          ops: [{ op: 'replace', path: '/spec/policyTypes', value: ['Ingress'] }],
        },
        {
          kind: 'NetworkPolicy',
          group: 'networking.k8s.io',
          target: 'nats',
          ops: [{ op: 'add', path: '/spec/ingress/0/from/-', value: { namespaceSelector: {} } }],
        },
        {
          kind: 'NetworkPolicy',
          group: 'networking.k8s.io',
          target: 'apps-to-postgres',
          ops: [{ op: 'replace', path: '/spec/egress/0/to/0/ipBlock/cidr', value: '0.0.0.0/0' }],
        },
      ],
      expected: [
        'NetworkPolicy: no default deny (podSelector {}, Ingress and Egress, no rules)',
        `NetworkPolicy: NATS ingress on 4222 is open to pods [${podList(APPS)}] and [{"anywhere":true}]; only [${podList(APPS)}] may`,
        ...APPS.map((app) => `NetworkPolicy: ${app} may reach port 5432 anywhere; name the database's address`),
      ],
    },
    {
      broken: 'an autoscaler aimed at another Deployment and a budget that blocks every drain',
      patches: [
        {
          kind: 'HorizontalPodAutoscaler',
          group: 'autoscaling',
          target: 'orders',
          ops: [{ op: 'replace', path: '/spec/scaleTargetRef/name', value: 'order' }],
        },
        {
          kind: 'PodDisruptionBudget',
          group: 'policy',
          target: 'profile',
          ops: [{ op: 'replace', path: '/spec/minAvailable', value: 2 }],
        },
      ],
      expected: [
        'Deployment/orders: 0 HorizontalPodAutoscalers scale it (one is needed)',
        'PodDisruptionBudget/profile: minAvailable 2 leaves no replica of 2 to evict',
      ],
    },
    {
      broken: 'one NATS node on an older server, its store on an emptyDir, buckets with one replica',
      patches: [
        {
          kind: 'StatefulSet',
          group: 'apps',
          target: 'nats',
          ops: [
            { op: 'replace', path: '/spec/replicas', value: 1 },
            { op: 'replace', path: `${container0}/image`, value: 'nats:2.9.25-alpine' },
            { op: 'remove', path: '/spec/volumeClaimTemplates' },
            { op: 'add', path: '/spec/template/spec/volumes/-', value: { name: 'data', emptyDir: {} } },
          ],
        },
      ],
      expected: [
        'StatefulSet/nats: 1 replicas; the JetStream cluster needs 3',
        'StatefulSet/nats: image nats:2.9.25-alpine must be nats:2.10 or later',
        'StatefulSet/nats: the JetStream store (--store_dir) must be on a volumeClaimTemplate',
        ...APPS.map((app) => `Deployment/${app}: NATS_REPLICAS is 3; the KV buckets need 1`),
      ],
    },
    {
      broken: 'a secret generated from a literal in the kustomization',
      patches: [],
      extra:
        'secretGenerator:\n  - name: orders-secrets\n    literals:\n      - nats_password=p0123456789abcdef0123456789abcdef\n',
      expected: ['the manifests hold a Secret object: secrets are created outside the repository (create-secrets.sh)'],
    },
  ])('reports $broken', ({ broken, patches, expected, extra }) => {
    const problems = renderBroken(broken.replace(/\W+/g, '-'), patches, extra);
    expect(problems).toEqual(expect.arrayContaining(expected));
    expect(problems).toHaveLength(expected.length);
  });
});

describe('the manifest checker on the last service of scripts/lib/services.json', () => {
  // profile here; the service `npm run new-service` added last in a checkout that ran it.
  const last = APPS[APPS.length - 1];
  const production = () => renderKustomization(path.join(root, 'deploy/k8s/overlays/production'));

  it('reports its Deployment removed', () => {
    const objects = production().filter((o) => !(o.kind === 'Deployment' && o.metadata.name === last));
    const problems = checkManifests(objects, { ingress: true });
    expect(problems).toEqual(
      expect.arrayContaining([
        `Deployment/${last} is missing`,
        `Deployment/${last}: NATS_USER must be ${last} and NATS_INBOX_PREFIX _INBOX_${last} (nats.conf)`,
      ]),
    );
    expect(problems.every((p) => p.includes(last))).toBe(true);
  });

  it("reports it reading another service's Secret, no Ingress rule and no NATS password at the nodes", () => {
    const objects = production();
    const d = specOf<WorkloadSpec>(find(objects, 'Deployment', last));
    const volume = d?.template.spec.volumes?.find((v) => v.secret);
    volume!.secret!.secretName = 'auth-secrets';
    const ingress = specOf<IngressSpec>(find(objects, 'Ingress', 'tessera'));
    ingress!.rules = ingress!.rules.filter((r) => r.http.paths[0].backend.service.name !== last);
    const nats = specOf<WorkloadSpec>(find(objects, 'StatefulSet', 'nats'))!.template.spec.containers[0];
    nats.env = nats.env?.filter((e) => e.name !== `NATS_${constant(last)}_PASSWORD`);
    expect(checkManifests(objects, { ingress: true }).sort()).toEqual(
      [
        `Deployment/${last}: must read the Secret ${last}-secrets and no other (reads [auth-secrets])`,
        `Ingress: no rule routes to the Service ${last}`,
        `StatefulSet/nats: NATS_${constant(last)}_PASSWORD (${last}'s NATS password, read by nats.conf) is not set`,
      ].sort(),
    );
    // The base has no Ingress, and is not asked for one.
    expect(checkManifests(renderKustomization(base))).toEqual([]);
  });

  it('reports the two nats.conf copies differing', () => {
    const copy = mkdtempSync(path.join(tmpdir(), 'tessera-k8s-copy-'));
    try {
      for (const part of ['scripts/lib/services.json', 'deploy/k8s', 'docker/nats/nats.conf']) {
        cpSync(path.join(root, part), path.join(copy, part), { recursive: true });
      }
      expect(checkDeploy(copy)).toEqual([]);
      const conf = path.join(copy, 'docker/nats/nats.conf');
      writeFileSync(conf, readFileSync(conf, 'utf8').replace(`user: ${last}`, 'user: someone-else'));
      expect(checkDeploy(copy)).toEqual([
        'deploy/k8s/base/nats/nats.conf differs from docker/nats/nats.conf; copy it over',
      ]);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

describe('deploy/k8s/create-secrets.sh', () => {
  let dir: string;
  // One database URL per service of scripts/lib/services.json.
  const urls: Record<string, string> = {
    ...Object.fromEntries(
      APPS.map((app) => [`${constant(app)}_DATABASE_URL`, `postgres://${app}:pw-${app}@db.internal:5432/${app}`]),
    ),
    SMTP_URL: 'smtps://mailer:pw-mail@smtp.internal:465',
  };
  // A stand-in kubectl: `get` finds what EXISTING names, `create secret generic <name>
  // --from-file=<dir>` copies the directory to $OUT/<name>, every call is logged.
  const fakeKubectl = `#!/bin/sh
echo "$*" >>"$OUT/calls"
case "$*" in
  *"get secret "*) for s in $EXISTING; do case "$*" in *" $s") exit 0 ;; esac; done; exit 1 ;;
  *"get namespace "*) exit 1 ;;
  *"create secret generic "*) name=$6; src=\${7#--from-file=}; mkdir -p "$OUT/$name"; cp "$src"/* "$OUT/$name/" ;;
esac
`;
  const run = (env: Record<string, string>) =>
    spawnSync('sh', [path.join(root, 'deploy/k8s/create-secrets.sh'), 'tessera-test'], {
      env: { PATH: process.env.PATH ?? '', KUBECTL: path.join(dir, 'kubectl'), OUT: path.join(dir, 'out'), ...env },
      encoding: 'utf8',
    });
  const secret = (name: string, key: string) => readFileSync(path.join(dir, 'out', name, key), 'utf8');

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tessera-k8s-secrets-'));
    mkdirSync(path.join(dir, 'out'));
    writeFileSync(path.join(dir, 'kubectl'), fakeKubectl);
    chmodSync(path.join(dir, 'kubectl'), 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates every key the manifests read, the matching pairs equal, the database URLs as given', () => {
    const result = run(urls);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    // No secret value in the output, only where to read the admin password.
    expect(
      readdirSync(path.join(dir, 'out'))
        .filter((f) => f !== 'calls')
        .sort(),
    ).toEqual(['nats-secrets', ...APPS.map((app) => `${app}-secrets`)].sort());
    for (const name of ['nats-secrets', ...APPS.map((app) => `${app}-secrets`)]) {
      for (const key of readdirSync(path.join(dir, 'out', name))) {
        expect(result.stdout).not.toContain(secret(name, key));
      }
    }
    expect(readFileSync(path.join(dir, 'out', 'calls'), 'utf8')).toContain('create namespace tessera-test');

    // Every secretKeyRef and every *_FILE of a mounted Secret in the rendering is a key created here.
    const objects = renderKustomization(base);
    const wanted: string[] = [];
    for (const w of objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')) {
      const pod = specOf<WorkloadSpec>(w)?.template.spec ?? { containers: [] };
      for (const c of pod.containers) {
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef;
          if (ref) {
            wanted.push(`${ref.name}/${ref.key}`);
          }
          const file = e.value ?? '';
          const mount = (c.volumeMounts ?? []).find((m) => file.startsWith(`${m.mountPath}/`));
          const volume = mount && (pod.volumes ?? []).find((v) => v.name === mount.name);
          if (volume?.secret) {
            wanted.push(`${volume.secret.secretName}/${path.basename(file)}`);
          }
        }
      }
    }
    expect(wanted.length).toBeGreaterThan(15);
    for (const ref of wanted) {
      const [name, key] = ref.split('/');
      expect(readdirSync(path.join(dir, 'out', name))).toContain(key);
    }

    for (const app of APPS) {
      expect(secret(`${app}-secrets`, 'nats_password')).toMatch(/^p[0-9a-f]{64}$/);
      expect(secret(`${app}-secrets`, 'nats_password')).toBe(secret('nats-secrets', `nats_${app}_password`));
      expect(secret(`${app}-secrets`, 'database_url')).toBe(urls[`${constant(app)}_DATABASE_URL`]);
    }
    expect(secret('nats-secrets', 'nats_route_password')).toMatch(/^p[0-9a-f]{64}$/);
    for (const app of SCALED) {
      expect(secret(`${app}-secrets`, 'service_client_secret')).toBe(
        secret('auth-secrets', `service_client_secret_${app}`),
      );
    }
    expect(Buffer.from(secret('auth-secrets', 'key_encryption_key'), 'base64')).toHaveLength(32);
    expect(secret('auth-secrets', 'smtp_url')).toBe(urls.SMTP_URL);
    expect(readdirSync(path.join(dir, 'out', 'orders-secrets')).sort()).toEqual([
      'database_url',
      'nats_password',
      'service_client_secret',
    ]);
  });

  it("creates nothing without an smtp(s) SMTP_URL for auth's mail", () => {
    const { SMTP_URL: _unset, ...rest } = urls;
    for (const env of [rest, { ...rest, SMTP_URL: 'http://smtp.internal' }]) {
      const refused = run(env);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toContain('set SMTP_URL to smtp(s)://');
    }
    expect(readdirSync(path.join(dir, 'out')).filter((f) => f !== 'calls')).toEqual([]);
  });

  it('creates nothing when a Secret exists already or a database URL is missing', () => {
    const exists = run({ ...urls, EXISTING: 'orders-secrets' });
    expect(exists.status).toBe(1);
    expect(exists.stderr).toContain('the Secret orders-secrets exists in tessera-test already; nothing created');
    expect(readFileSync(path.join(dir, 'out', 'calls'), 'utf8')).not.toContain('create');

    const missing = run({ AUTH_DATABASE_URL: urls.AUTH_DATABASE_URL, ORDERS_DATABASE_URL: 'mysql://x' });
    expect(missing.status).toBe(2);
    const unset = APPS.slice(1).map((app) => `${constant(app)}_DATABASE_URL`);
    expect(missing.stderr).toContain(`set ${unset.join(' ')} to postgres://`);
    expect(readdirSync(path.join(dir, 'out')).filter((f) => f !== 'calls')).toEqual([]);
  });
});

describe('deploy/k8s against docker-compose.yml and the apps', () => {
  const objects = renderKustomization(base);
  const envNames = (name: string) =>
    (specOf<WorkloadSpec>(find(objects, 'Deployment', name))?.template.spec.containers[0].env ?? []).map((e) => e.name);
  const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, { environment?: Record<string, string> }>;
  };

  it.each(DEPLOYMENTS)('sets every variable docker-compose.yml sets for %s', (name) => {
    const fromCompose = Object.keys(compose.services[name].environment ?? {});
    expect(fromCompose.length).toBeGreaterThan(2);
    expect(envNames(name)).toEqual(expect.arrayContaining(fromCompose));
  });

  it.each(APPS)('sets for %s only variables its .env.example documents (no misspelt name)', (app) => {
    const example = readFileSync(path.join(root, 'apps', app, '.env.example'), 'utf8');
    const documented = new Set([...example.matchAll(/^#? ?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    const unknown = envNames(app).filter((n) => !documented.has(n.replace(/_FILE$/, '')));
    expect(unknown).toEqual([]);
  });
});
