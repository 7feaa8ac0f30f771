// The `service` generator (`npm run new-service -- <name>`, or `nx g ./tools/generators:service`):
// apps/<name> in the house style, modelled on apps/profile, and the new service wired into every
// place that must know it. Plain CommonJS, because Nx loads a TypeScript generator only through
// @swc-node/register or ts-node (or Node's own type stripping, from Node 22), none of which this
// workspace has. Every edit goes to the Nx Tree first; a refusal or a place that cannot be found
// throws before anything is written.
const { randomUUID } = require('node:crypto');
const path = require('node:path');

const { formatFiles, generateFiles, names, updateJson } = require('@nx/devkit');
const { isMap, isScalar, isSeq, parseAllDocuments, parseDocument, visit } = require('yaml');

const SERVICES_FILE = 'scripts/lib/services.json';
const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const MAX_NAME_LENGTH = 30;
/**
 * Names taken by a project, a docker-compose service, a library's scope or a word the tooling
 * gives a meaning of its own (an `-e2e` suffix is an end-to-end project).
 */
const RESERVED = new Set([
  'auth',
  'web',
  'platform',
  'contracts',
  'client',
  'test',
  'tests',
  'system',
  'shared',
  'tessera',
  'nats',
  'postgres',
  'gateway',
  'secrets',
  'tools',
  'bench',
  'docs',
  'health',
  'metrics',
  'inbox',
]);

/** A refusal: one line for the user, and nothing written. */
class ServiceGeneratorError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ServiceGeneratorError';
  }
}

/**
 * Why `name` cannot be a new service, or null when it can.
 * @param {import('@nx/devkit').Tree} tree
 * @param {unknown} name
 */
function refusal(tree, name) {
  if (typeof name !== 'string' || name === '') {
    return 'a service name is required: npm run new-service -- <name>';
  }
  if (!NAME.test(name) || name.length > MAX_NAME_LENGTH) {
    return `"${name.slice(0, 40)}" is not a valid service name: lower-case letters and digits, words joined by single hyphens, starting with a letter, at most ${MAX_NAME_LENGTH} characters`;
  }
  if (RESERVED.has(name) || name.endsWith('-e2e')) {
    return `"${name}" is a reserved name; choose another`;
  }
  if (tree.exists(`apps/${name}`) || tree.exists(`libs/${name}`)) {
    return `"${name}" exists already (${tree.exists(`apps/${name}`) ? 'apps' : 'libs'}/${name}); choose another name`;
  }
  if (readServices(tree).some((s) => s.name === name)) {
    return `"${name}" is already listed in ${SERVICES_FILE}; choose another name`;
  }
  // Half-done wiring by hand: adding a second user or service would break the file.
  const nats = tree.read('docker/nats/nats.conf', 'utf-8') || '';
  if (new RegExp(`^\\s*user:\\s*${name}\\s*$`, 'm').test(nats)) {
    return `"${name}" already has a NATS user in docker/nats/nats.conf; remove it or choose another name`;
  }
  const compose = tree.read('docker-compose.yml', 'utf-8') || '';
  if (new RegExp(`^  ${name}:\\s*$`, 'm').test(compose)) {
    return `"${name}" is already a service in docker-compose.yml; remove it or choose another name`;
  }
  return null;
}

function readServices(tree) {
  const text = tree.read(SERVICES_FILE, 'utf-8');
  if (!text) {
    throw new ServiceGeneratorError(`${SERVICES_FILE} is missing: run this from the repository root`);
  }
  return JSON.parse(text).services;
}

/** Replaces exactly one match of `pattern` in `file`; a file that no longer has it is an error. */
function edit(tree, file, pattern, replace) {
  const text = tree.read(file, 'utf-8');
  if (text === null) {
    throw new ServiceGeneratorError(`${file} is missing; nothing was written`);
  }
  const matches = text.match(
    new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`),
  );
  if (!matches || matches.length !== 1) {
    throw new ServiceGeneratorError(
      `${file}: expected one place matching ${pattern} (found ${matches ? matches.length : 0}); nothing was written`,
    );
  }
  tree.write(file, text.replace(pattern, replace));
}

/** The next free HTTP port after every service's, and a block of ports for the cluster. */
function choosePorts(services, instances) {
  const used = services.flatMap((s) => [s.port, ...s.clusterPorts]);
  const port = Math.max(...services.map((s) => s.port)) + 1;
  const base = Math.ceil((Math.max(...services.flatMap((s) => s.clusterPorts)) + 1) / 10) * 10 + 1;
  const clusterPorts = Array.from({ length: instances }, (_, i) => base + i);
  if ([port, ...clusterPorts].some((p) => used.includes(p) || p > 65535)) {
    throw new ServiceGeneratorError(`no free port found after ${SERVICES_FILE}'s; nothing was written`);
  }
  return { port, clusterPorts };
}

function substitutions(name, port) {
  const n = names(name);
  return {
    tmpl: '',
    fileName: n.fileName,
    className: n.className,
    constantName: n.constantName,
    snakeName: n.constantName.toLowerCase(),
    subject: `${name}.item.get.v1`,
    port,
    migrationTime: Date.now(),
    snapshotId: randomUUID(),
  };
}

// ------------------------------------------------------------------ the places a service is known

function wireServicesList(tree, name, ports) {
  updateJson(tree, SERVICES_FILE, (json) => {
    json.services.push({ name, port: ports.port, clusterPorts: ports.clusterPorts, serviceClient: true, env: {} });
    return json;
  });
}

/** auth: the new service in the audiences of user tokens, and its own client with its scope. */
function wireAuth(tree, name) {
  const config = 'apps/auth/src/config/auth.config.ts';
  edit(tree, config, /(ACCESS_TOKEN_AUDIENCE: string = ')([a-z0-9_,-]+)(';)/, `$1$2,${name}$3`);
  edit(tree, config, /(SERVICE_CLIENTS: string = `)([^`]+)(`;)/, `$1$2,${name}=${name}:read$3`);
  const example = 'apps/auth/.env.example';
  edit(tree, example, /^(# ACCESS_TOKEN_AUDIENCE=)(.+)$/m, `$1$2,${name}`);
  edit(tree, example, /^(# SERVICE_CLIENTS=)(.+)$/m, `$1$2,${name}=${name}:read`);
  edit(
    tree,
    example,
    /^(# SERVICE_CLIENT_SECRET_[A-Z0-9_]+=\n)(?!# SERVICE_CLIENT_SECRET_)/m,
    `$1# SERVICE_CLIENT_SECRET_${names(name).constantName}=\n`,
  );
}

function natsUser(name, constant) {
  return `    {
      user: ${name}
      password: $NATS_${constant}_PASSWORD
      permissions: {
        publish: {
          allow: [
            "$JS.API.INFO"
            "$JS.API.STREAM.INFO.tessera_events"
            "$JS.API.STREAM.INFO.KV_tessera_keys"
            "$JS.API.STREAM.INFO.KV_tessera_revocations"
            "$JS.API.CONSUMER.CREATE.KV_tessera_keys.*.$KV.tessera_keys.>"
            "$JS.API.CONSUMER.CREATE.KV_tessera_revocations.*.$KV.tessera_revocations.>"
            "$JS.API.CONSUMER.INFO.KV_tessera_keys.*"
            "$JS.API.CONSUMER.INFO.KV_tessera_revocations.*"
            "$JS.FC.KV_tessera_keys.>"
            "$JS.FC.KV_tessera_revocations.>"
            # answers ${name}.item.get.v1 into the inboxes of the services that may ask it: none
            # yet (add "_INBOX_<caller>.>" here, and ${name}.item.get.v1 to the caller's publish)
          ]
        }
        subscribe: {
          allow: ["_INBOX_${name}.>", "${name}.item.get.v1"]
        }
      }
    }
`;
}

/** NATS: a user of its own with only its subjects, and the entrypoint that reads its password. */
function wireNats(tree, name, constant) {
  // deploy/k8s keeps a verbatim copy (kustomize reads no file outside its folder): the same edit.
  for (const conf of ['docker/nats/nats.conf', 'deploy/k8s/base/nats/nats.conf']) {
    edit(tree, conf, /\n  \]\n\}\s*$/, `\n${natsUser(name, constant)}  ]\n}\n`);
  }
  const entrypoint = 'docker/nats/entrypoint.sh';
  edit(tree, entrypoint, /^(for service in [a-z0-9 -]+)(; do)$/m, `$1 ${name}$2`);
  edit(
    tree,
    entrypoint,
    /^(export( NATS_[A-Z0-9_]+_PASSWORD)+)$/m,
    `NATS_${constant}_PASSWORD=$(cat "$dir/nats_${name}_password")\n$1 NATS_${constant}_PASSWORD`,
  );
}

/** docker/secrets/generate.sh: its NATS password and client secret, handed to it and to auth. */
function wireSecrets(tree, name) {
  const file = 'docker/secrets/generate.sh';
  edit(tree, file, /^(new postgres_password .*)$/m, `new nats_${name}_password nats_password\n$1`);
  edit(
    tree,
    file,
    /^(new service_client_secret_\S+ hex 32\n)(?!new service_client_secret_)/m,
    `$1new service_client_secret_${name} hex 32\n`,
  );
  edit(
    tree,
    file,
    /^(put postgres 0 postgres_password .*)$/m,
    `put nats 0 nats_${name}_password "$(s nats_${name}_password)"\n$1`,
  );
  edit(tree, file, /^(for app in [a-z0-9 -]+)(; do)$/m, `$1 ${name}$2`);
  edit(
    tree,
    file,
    /^(put auth 1000 service_client_secret_\S+ .*\n)(?!put auth 1000 service_client_secret_)/m,
    `$1put auth 1000 service_client_secret_${name} "$(s service_client_secret_${name})"\n`,
  );
  edit(
    tree,
    file,
    /^(put \S+ 1000 service_client_secret "\$\(s service_client_secret_\S+\)"\n)(?!put \S+ 1000 service_client_secret )/m,
    `$1put ${name} 1000 service_client_secret "$(s service_client_secret_${name})"\n`,
  );
}

/**
 * docker-compose.yml: a service modelled on profile's (same image, health check, secrets volume
 * and start order), its secrets volume, auth's copy of its client secret, and a gateway port.
 */
function wireCompose(tree, name, constant, port, replicas) {
  const file = 'docker-compose.yml';
  const doc = parseDocument(tree.read(file, 'utf-8'));
  const services = doc.get('services');
  const model = services && services.get('profile', true);
  if (!model) {
    throw new ServiceGeneratorError(`${file}: no profile service to model the new one on; nothing was written`);
  }
  const service = model.clone();
  service.setIn(['build', 'args', 'APP'], name);
  service.setIn(['deploy', 'replicas'], replicas);
  const env = service.get('environment', true);
  env.set('PORT', String(port));
  env.set('NATS_USER', name);
  env.set('NATS_INBOX_PREFIX', `_INBOX_${name}`);
  const database = env.items.find((p) => p.key.value === 'PROFILE_DATABASE_URL_FILE');
  if (!database) {
    throw new ServiceGeneratorError(
      `${file}: profile has no PROFILE_DATABASE_URL_FILE to model on; nothing was written`,
    );
  }
  database.key = doc.createNode(`${constant}_DATABASE_URL_FILE`);
  service.set('volumes', doc.createNode([`${name}-secrets:/run/secrets/tessera:ro`]));
  // Right after profile's, keeping the file in start order (the web console and gateway last).
  const pair = doc.createPair(name, service);
  pair.key.spaceBefore = true;
  pair.key.commentBefore = ` ${name}: generated by npm run new-service, on the model of profile.`;
  services.items.splice(services.items.findIndex((p) => p.key && p.key.value === 'profile') + 1, 0, pair);
  doc.getIn(['services', 'secrets', 'volumes']).add(`${name}-secrets:/out/${name}`);
  // auth's copy of the client secret, beside the other services' ones.
  const authEnv = doc.getIn(['services', 'auth', 'environment']);
  const secretVariables = authEnv.items.filter((p) =>
    /^SERVICE_CLIENT_SECRET_[A-Z0-9_]+_FILE$/.test(String(p.key.value)),
  );
  const last = authEnv.items.indexOf(secretVariables[secretVariables.length - 1]);
  authEnv.items.splice(
    last + 1,
    0,
    doc.createPair(`SERVICE_CLIENT_SECRET_${constant}_FILE`, `/run/secrets/tessera/service_client_secret_${name}`),
  );
  const gateway = services.get('gateway', true);
  if (!gateway) {
    throw new ServiceGeneratorError(`${file}: no gateway service; nothing was written`);
  }
  const published = doc.createNode(`127.0.0.1:${port}:${port}`);
  published.type = 'QUOTE_SINGLE';
  gateway.get('ports').add(published);
  gateway.setIn(['depends_on', name], doc.createNode({ condition: 'service_healthy' }));
  const volumes = doc.get('volumes');
  const volume = volumes.items.find((p) => p.key.value === 'profile-secrets').clone();
  volume.key = doc.createNode(`${name}-secrets`);
  volumes.items.splice(
    volumes.items.indexOf(volumes.items.find((p) => p.key.value === 'profile-secrets')) + 1,
    0,
    volume,
  );
  tree.write(file, doc.toString());

  const caddy = 'docker/gateway/Caddyfile';
  const text = tree.read(caddy, 'utf-8');
  tree.write(
    caddy,
    `${text.trimEnd()}\n\n:${port} {\n\treverse_proxy {\n\t\tdynamic a ${name} ${port} {\n\t\t\trefresh 5s\n\t\t}\n\t\tlb_policy round_robin\n\t\tlb_try_duration 5s\n\t\tfail_duration 10s\n\t}\n}\n`,
  );
  const sql = 'docker/postgres-init.sql';
  const databaseName = name.includes('-') ? `"${name}"` : name;
  tree.write(sql, `${tree.read(sql, 'utf-8').trimEnd()}\nCREATE DATABASE ${databaseName};\n`);
}

// ------------------------------------------------------------------ deploy/k8s

const K8S = 'deploy/k8s';
// Read as YAML 1.1, as Kubernetes reads it: `defaultMode: 0440` stays octal (1.2 would read 440).
const YAML_IN = { version: '1.1' };
const YAML_OUT = { flowCollectionPadding: false };

/** The documents of a multi-document manifest, refusing one that does not parse. */
function readDocuments(tree, file) {
  const text = tree.read(file, 'utf-8');
  if (text === null) {
    throw new ServiceGeneratorError(`${file} is missing; nothing was written`);
  }
  const docs = parseAllDocuments(text, YAML_IN);
  if (!Array.isArray(docs) || docs.some((d) => d.errors.length > 0)) {
    throw new ServiceGeneratorError(`${file} does not parse as YAML; nothing was written`);
  }
  return docs;
}

const writeDocuments = (tree, file, docs) => tree.write(file, docs.map((d) => d.toString(YAML_OUT)).join(''));

/** The comment above a document's first line (after its `---`), in place of the model's. */
function setLeadingComment(doc, comment) {
  const first = isMap(doc.contents) && doc.contents.items[0];
  if (!first) {
    throw new ServiceGeneratorError('a manifest document without fields; nothing was written');
  }
  first.key.commentBefore = comment;
}

/** The one document of `kind` named `name`; a file without it is an error. */
function documentOf(docs, file, kind, name) {
  const found = docs.filter((d) => d.get('kind') === kind && d.getIn(['metadata', 'name']) === name);
  if (found.length !== 1) {
    throw new ServiceGeneratorError(
      `${file}: expected one ${kind} named ${name} (found ${found.length}); nothing was written`,
    );
  }
  return found[0];
}

/**
 * A copy of profile's document with every `profile` (a name, label, image, Secret, NATS user or
 * inbox, PROFILE_ variable) and profile's port turned into the new service's.
 */
function renamed(doc, name, constant, port, fromPort) {
  const copy = doc.clone();
  visit(copy, {
    Scalar(_key, node) {
      if (typeof node.value === 'string') {
        node.value = node.value
          .replace(/(?<![A-Za-z0-9])profile(?![A-Za-z0-9])/g, name)
          .replace(/^PROFILE_/, `${constant}_`)
          .replace(new RegExp(`^${fromPort}$`), String(port));
      } else if (node.value === fromPort) {
        node.value = port;
      }
    },
  });
  return copy;
}

/** The `values` of the `app.kubernetes.io/name In [...]` expression at `at` in `doc`. */
function appValues(doc, file, at) {
  const expressions = doc.getIn(at, true);
  const expression =
    isSeq(expressions) &&
    expressions.items.find((e) => isMap(e) && e.get('key') === 'app.kubernetes.io/name' && e.get('operator') === 'In');
  const values = expression && expression.get('values', true);
  if (!isSeq(values)) {
    throw new ServiceGeneratorError(
      `${file}: no app.kubernetes.io/name In [...] at ${at.join('.')} of ${doc.getIn(['metadata', 'name'])}; nothing was written`,
    );
  }
  return values;
}

/** Adds `name` to a list of app names, before `before` (web) when it is there. */
function addApp(values, name, before = 'web') {
  const index = values.items.findIndex((v) => isScalar(v) && v.value === before);
  const node = values.items[0] && isScalar(values.items[0]) ? values.items[0].clone() : null;
  const item = node ? Object.assign(node, { value: name }) : name;
  if (index === -1) {
    values.items.push(item);
  } else {
    values.items.splice(index, 0, item);
  }
}

/**
 * deploy/k8s: a Deployment, Service, PodDisruptionBudget and autoscaler on the model of
 * profile's; the network policies that let it reach NATS, PostgreSQL and auth and be reached
 * by the ingress controller; auth's copy of its client secret; the NATS nodes' copy of its
 * password; and in production its image, sizes and host. create-secrets.sh asks for its
 * database URL and creates its Secret.
 */
function wireKubernetes(tree, name, constant, port) {
  const base = `${K8S}/base`;
  const model = `${base}/profile.yaml`;
  const modelDocs = readDocuments(tree, model);
  const fromPort = documentOf(modelDocs, model, 'Service', 'profile').getIn(['spec', 'ports', 0, 'port']);
  if (typeof fromPort !== 'number') {
    throw new ServiceGeneratorError(`${model}: the Service profile has no port; nothing was written`);
  }
  documentOf(modelDocs, model, 'Deployment', 'profile');
  const docs = modelDocs.map((d) => renamed(d, name, constant, port, fromPort));
  setLeadingComment(
    docs[0],
    ` ${name}: generated by npm run new-service on the model of profile; answers ${name}.item.get.v1.
 Its secrets are files from the Secret ${name}-secrets, read through <NAME>_FILE variables.
 Two replicas at least (one NATS queue group, one database), the autoscaler adds more.`,
  );
  writeDocuments(tree, `${base}/${name}.yaml`, docs);
  edit(tree, `${base}/kustomization.yaml`, /^( {2}- web\.yaml\n)/m, `  - ${name}.yaml\n$1`);

  const policies = `${base}/network-policies.yaml`;
  const policyDocs = readDocuments(tree, policies);
  const policy = (n) => documentOf(policyDocs, policies, 'NetworkPolicy', n);
  addApp(
    appValues(policy('nats'), policies, ['spec', 'ingress', 0, 'from', 0, 'podSelector', 'matchExpressions']),
    name,
  );
  for (const n of ['apps-to-nats', 'apps-to-postgres', 'verifiers-to-auth', 'http-from-ingress']) {
    addApp(appValues(policy(n), policies, ['spec', 'podSelector', 'matchExpressions']), name);
  }
  const authFrom = policy('auth-ingress').getIn(['spec', 'ingress', 0, 'from'], true);
  const authPeer = isSeq(authFrom) && authFrom.items.findIndex((p) => isMap(p) && p.has('podSelector'));
  if (typeof authPeer !== 'number' || authPeer === -1) {
    throw new ServiceGeneratorError(`${policies}: auth-ingress lets no pods in; nothing was written`);
  }
  addApp(
    appValues(policy('auth-ingress'), policies, [
      'spec',
      'ingress',
      0,
      'from',
      authPeer,
      'podSelector',
      'matchExpressions',
    ]),
    name,
  );
  const ingressPorts = policy('http-from-ingress').getIn(['spec', 'ingress', 0, 'ports'], true);
  if (!isSeq(ingressPorts)) {
    throw new ServiceGeneratorError(`${policies}: http-from-ingress has no ports; nothing was written`);
  }
  const webPort = ingressPorts.items.findIndex((p) => isMap(p) && p.get('port') === 3000);
  ingressPorts.items.splice(
    webPort === -1 ? ingressPorts.items.length : webPort,
    0,
    policyDocs[0].createNode({ protocol: 'TCP', port }),
  );
  writeDocuments(tree, policies, policyDocs);

  edit(
    tree,
    `${base}/auth.yaml`,
    /^( +- name: SERVICE_CLIENT_SECRET_[A-Z0-9_]+_FILE\n +value: \/run\/secrets\/tessera\/service_client_secret_[a-z0-9-]+\n)(?! +- name: SERVICE_CLIENT_SECRET_)/m,
    `$1            - name: SERVICE_CLIENT_SECRET_${constant}_FILE\n              value: /run/secrets/tessera/service_client_secret_${name}\n`,
  );
  edit(
    tree,
    `${base}/nats.yaml`,
    /^( {12}- name: NATS_[A-Z0-9_]+_PASSWORD\n {14}valueFrom:\n {16}secretKeyRef:\n {18}name: nats-secrets\n {18}key: nats_[a-z0-9_-]+_password\n)(?! {12}- name: NATS_[A-Z0-9_]+_PASSWORD\n)/m,
    `$1            - name: NATS_${constant}_PASSWORD\n              valueFrom:\n                secretKeyRef:\n                  name: nats-secrets\n                  key: nats_${name}_password\n`,
  );

  const overlay = `${K8S}/overlays/production`;
  const kustomization = `${overlay}/kustomization.yaml`;
  const [overlayDoc] = readDocuments(tree, kustomization);
  const images = overlayDoc.get('images', true);
  const modelImage = isSeq(images) && images.items.find((i) => isMap(i) && i.get('name') === 'tessera-profile');
  if (!modelImage || typeof modelImage.get('newName') !== 'string') {
    throw new ServiceGeneratorError(`${kustomization}: no image tessera-profile to model on; nothing was written`);
  }
  const image = modelImage.clone();
  image.set('name', `tessera-${name}`);
  image.set('newName', modelImage.get('newName').replace(/profile$/, name));
  const webImage = images.items.findIndex((i) => isMap(i) && i.get('name') === 'tessera-web');
  images.items.splice(webImage === -1 ? images.items.length : webImage, 0, image);
  tree.write(kustomization, overlayDoc.toString(YAML_OUT));

  const scale = `${overlay}/scale.yaml`;
  const scaleDocs = readDocuments(tree, scale);
  const scaled = ['Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget'].map((kind) =>
    renamed(documentOf(scaleDocs, scale, kind, 'profile'), name, constant, port, fromPort),
  );
  scaled.forEach((d) => {
    d.directives.docStart = true;
  });
  setLeadingComment(scaled[0], ` ${name}: sized like profile (npm run new-service).`);
  writeDocuments(tree, scale, [...scaleDocs, ...scaled]);

  const ingressFile = `${overlay}/ingress.yaml`;
  const ingressDocs = readDocuments(tree, ingressFile);
  const ingress = documentOf(ingressDocs, ingressFile, 'Ingress', 'tessera');
  const rules = ingress.getIn(['spec', 'rules'], true);
  const modelRule =
    isSeq(rules) &&
    rules.items.find((r) => isMap(r) && r.getIn(['http', 'paths', 0, 'backend', 'service', 'name']) === 'profile');
  const hosts = ingress.getIn(['spec', 'tls', 0, 'hosts'], true);
  if (!modelRule || !isSeq(hosts) || !/^profile\./.test(String(modelRule.get('host')))) {
    throw new ServiceGeneratorError(`${ingressFile}: no host profile.<domain> to model on; nothing was written`);
  }
  const rule = modelRule.clone();
  const host = String(modelRule.get('host')).replace(/^profile\./, `${name}.`);
  rule.set('host', host);
  rule.setIn(['http', 'paths', 0, 'backend', 'service', 'name'], name);
  rules.items.push(rule);
  hosts.items.push(ingress.createNode(host));
  writeDocuments(tree, ingressFile, ingressDocs);

  wireCreateSecrets(tree, name, constant);
}

/** deploy/k8s/create-secrets.sh: its database URL required and written, its Secret created. */
function wireCreateSecrets(tree, name, constant) {
  const file = `${K8S}/create-secrets.sh`;
  const variable = `${constant}_DATABASE_URL`;
  edit(
    tree,
    file,
    /^(# {3}[A-Z0-9_]+_DATABASE_URL=postgres:\/\/.*\n)(?!# {3}[A-Z0-9_]+_DATABASE_URL=)/m,
    `$1#   ${variable}=postgres://${name}:...@db.example.com:5432/${name} \\\n`,
  );
  edit(
    tree,
    file,
    /^(# {3}[a-z0-9-]+-secrets +database_url nats_password service_client_secret\n)(?!# {3}[a-z0-9-]+-secrets +database_url )/m,
    `$1#   ${`${name}-secrets`.padEnd(16)} database_url nats_password service_client_secret\n`,
  );
  edit(tree, file, /^(for name in [A-Z0-9_ ]+)(; do)$/m, `$1 ${variable}$2`);
  edit(tree, file, /^(secrets='[a-z0-9 -]+)(')$/m, `$1 ${name}-secrets$2`);
  edit(
    tree,
    file,
    /^(write [a-z0-9-]+ database_url "\$[A-Z0-9_]+_DATABASE_URL"\n)(?!write [a-z0-9-]+ database_url )/m,
    `$1write ${name} database_url "$${variable}"\n`,
  );
  edit(tree, file, /^(for app in nats [a-z0-9 -]+)(; do)$/m, `$1 ${name}$2`);
}

/** README: the port in the quick start, the architecture table and the PORT setting. */
function wireReadme(tree, name, port) {
  const file = 'README.md';
  edit(
    tree,
    file,
    /^(  profile  http:\/\/localhost:3003\n(?: {2}[a-z0-9-]+ +http:\/\/localhost:\d+\n)*)/m,
    `$1  ${name.padEnd(8)} http://localhost:${port}\n`,
  );
  edit(
    tree,
    file,
    /^(\| `apps\/profile` .*\n(?:\| `apps\/(?!web)[a-z0-9-]+` +\| app, port \d+ .*\n)*)/m,
    `$1| \`apps/${name}\` | app, port ${port} | generated by \`npm run new-service\`: \`GET /${name}/items\`, \`POST /${name}/items\` (the caller's items); answers \`${name}.item.get.v1\` |\n`,
  );
  edit(
    tree,
    file,
    /^(\| `PORT` +\| all +\| auth `3001`, orders `3002`, profile `3003`[^|]*?)( +\|)/m,
    `$1, ${name} \`${port}\`$2`,
  );
}

/**
 * @param {import('@nx/devkit').Tree} tree
 * @param {{ name: string }} options
 */
async function serviceGenerator(tree, options) {
  const name = options && options.name;
  const problem = refusal(tree, name);
  if (problem) {
    throw new ServiceGeneratorError(problem);
  }
  const services = readServices(tree);
  const instances = 2;
  const ports = choosePorts(services, instances);
  const subs = substitutions(name, ports.port);
  generateFiles(tree, path.join(__dirname, 'files'), `apps/${name}`, subs);
  wireServicesList(tree, name, ports);
  wireAuth(tree, name);
  wireNats(tree, name, subs.constantName);
  wireSecrets(tree, name);
  wireCompose(tree, name, subs.constantName, ports.port, instances);
  wireKubernetes(tree, name, subs.constantName, ports.port);
  wireReadme(tree, name, ports.port);
  await formatFiles(tree);
  return () => {
    process.stdout.write(nextSteps(name, ports.port));
  };
}

function nextSteps(name, port) {
  return `
Created apps/${name} (port ${port}) and wired it into auth, NATS, docker-compose, npm start, npm run cluster
and the Kubernetes manifests (deploy/k8s: base, production overlay, create-secrets.sh).
Next:
  npm test -- apps/${name}                 its unit and end-to-end tests
  npm start                               runs it with the rest: http://localhost:${port}/docs
  git add -A && git diff --cached --stat  review what changed
Then replace the items with your own model (src/database/schema.ts, then
  npx drizzle-kit generate --config apps/${name}/drizzle.config.ts), and give callers its subject
  in docker/nats/nats.conf (see the comment in its user there; deploy/k8s/base/nats/nats.conf is
  its copy and must stay identical). On Kubernetes: create its database and give
  deploy/k8s/create-secrets.sh ${names(name).constantName}_DATABASE_URL (on a cluster with Secrets already, add them by hand:
  docs/operations.md, "A new service"), and replace ${name}.tessera.example.com in
  deploy/k8s/overlays/production/ingress.yaml with its host.
`;
}

module.exports = { serviceGenerator, refusal, ServiceGeneratorError, RESERVED, default: serviceGenerator };
