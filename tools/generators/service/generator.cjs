// The `service` generator (`npm run new-service -- <name>`, or `nx g ./tools/generators:service`):
// apps/<name> in the house style, modelled on apps/profile, and the new service wired into every
// place that must know it. Plain CommonJS, because Nx loads a TypeScript generator only through
// @swc-node/register or ts-node (or Node's own type stripping, from Node 22), none of which this
// workspace has. Every edit goes to the Nx Tree first; a refusal or a place that cannot be found
// throws before anything is written.
const { randomUUID } = require('node:crypto');
const path = require('node:path');

const { formatFiles, generateFiles, names, updateJson } = require('@nx/devkit');
const { parseDocument } = require('yaml');

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
  edit(tree, 'docker/nats/nats.conf', /\n  \]\n\}\s*$/, `\n${natsUser(name, constant)}  ]\n}\n`);
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
  wireReadme(tree, name, ports.port);
  await formatFiles(tree);
  return () => {
    process.stdout.write(nextSteps(name, ports.port));
  };
}

function nextSteps(name, port) {
  return `
Created apps/${name} (port ${port}) and wired it into auth, NATS, docker-compose, npm start and npm run cluster.
Next:
  npm test -- apps/${name}                 its unit and end-to-end tests
  npm start                               runs it with the rest: http://localhost:${port}/docs
  git add -A && git diff --cached --stat  review what changed
Then replace the items with your own model (src/database/schema.ts, then
  npx drizzle-kit generate --config apps/${name}/drizzle.config.ts), and give callers its subject
  in docker/nats/nats.conf (see the comment in its user there).
`;
}

module.exports = { serviceGenerator, refusal, ServiceGeneratorError, RESERVED, default: serviceGenerator };
