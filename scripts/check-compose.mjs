#!/usr/bin/env node
// Static check of docker-compose.yml for places without a Docker engine (CI): structure,
// build files, dependencies, ports, volumes, and that each app's apps/<app>/.env.example names
// exactly the variables its config classes read, and the compose file sets only those.
//
// .env.example convention: `NAME=value` lines are variables the compose file must set;
// commented-out `# NAME=value` lines are optional ones it may set. A secret may be set as
// `<NAME>_FILE` instead (libs/platform/src/config/env-files.ts), pointing into a mounted volume.
// The root .env.example lists every variable the compose file itself interpolates.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';

import { clientSecretVariable, loadServices } from './lib/services.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const COMPOSE_FILE = process.argv[2] ? path.resolve(process.argv[2]) : path.join(ROOT, 'docker-compose.yml');
const BASE = path.dirname(COMPOSE_FILE);
/** The apps: the services `npm start` and the cluster run (scripts/lib/services.json). */
const SERVICES = loadServices();
const APPS = SERVICES.map((s) => s.name);
const REQUIRED_SERVICES = ['secrets', 'nats', 'postgres', ...APPS, 'gateway'];
/** The topology: these run more than one instance. */
const REPLICATED = Object.fromEntries(
  SERVICES.filter((s) => s.clusterPorts.length > 1).map((s) => [s.name, s.clusterPorts.length]),
);
/** auth reads each declared client's secret under a name made from the client id (service-clients.ts). */
const CLIENT_SECRET_VARIABLES = new Set(
  SERVICES.filter((s) => s.serviceClient).map((s) => clientSecretVariable(s.name)),
);
/**
 * The secrets an app reads from <NAME>_FILE: the regular expressions of FILE_VARIABLES in
 * libs/platform/src/config/env-files.ts, read from that file so the two cannot disagree.
 */
const FILE_VARIABLES = (() => {
  const source = readFileSync(path.join(ROOT, 'libs/platform/src/config/env-files.ts'), 'utf8');
  const block = /const FILE_VARIABLES\b.*?\n\];/s.exec(source)?.[0] ?? '';
  const patterns = [...block.matchAll(/^\s*\/(\^.*\$)\/,$/gm)].map((m) => new RegExp(m[1]));
  if (patterns.length === 0) {
    throw new Error('FILE_VARIABLES not found in libs/platform/src/config/env-files.ts');
  }
  return patterns;
})();
const fileVariableOf = (key) => {
  const name = key.endsWith('_FILE') ? key.slice(0, -'_FILE'.length) : '';
  return name && FILE_VARIABLES.some((re) => re.test(name)) ? name : undefined;
};
const DEPENDS_CONDITIONS = ['service_started', 'service_healthy', 'service_completed_successfully'];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const problems = [];
const problem = (msg) => problems.push(msg);
const isMap = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const rel = (p) => path.relative(ROOT, p) || '.';

function loadCompose() {
  if (!existsSync(COMPOSE_FILE)) {
    problem(`${rel(COMPOSE_FILE)} does not exist`);
    return null;
  }
  const doc = parseDocument(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true, prettyErrors: true });
  for (const err of doc.errors) {
    problem(`YAML: ${err.message}`);
  }
  for (const w of doc.warnings) {
    problem(`YAML: ${w.message}`);
  }
  if (doc.errors.length > 0) {
    return null;
  }
  return doc.toJS({ maxAliasCount: 100 });
}

/** Interpolation syntax compose accepts: $$, $NAME, ${NAME}, ${NAME:-x}, ${NAME-x}, ${NAME:?x}, ${NAME?x}, ${NAME:+x}, ${NAME+x}. */
function checkInterpolation(value, where) {
  if (typeof value !== 'string') {
    return;
  }
  for (let i = 0; i < value.length; i++) {
    if (value[i] !== '$') {
      continue;
    }
    const next = value[i + 1];
    if (next === '$') {
      i++;
      continue;
    }
    if (next === '{') {
      let depth = 1;
      let j = i + 2;
      while (j < value.length && depth > 0) {
        if (value[j] === '{') {
          depth++;
        } else if (value[j] === '}') {
          depth--;
        }
        j++;
      }
      if (depth !== 0) {
        problem(`${where}: unterminated \${...} in ${JSON.stringify(value)}`);
        return;
      }
      const inner = value.slice(i + 2, j - 1);
      if (!/^[A-Za-z_][A-Za-z0-9_]*((:?[-?+]).*)?$/s.test(inner)) {
        problem(`${where}: invalid interpolation \${${inner}}`);
      }
      i = j - 1;
      continue;
    }
    if (!/[A-Za-z_]/.test(next ?? '')) {
      problem(`${where}: a lone "$" must be written "$$" (in ${JSON.stringify(value)})`);
    }
  }
}

function walkStrings(value, where) {
  if (typeof value === 'string') {
    checkInterpolation(value, where);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => walkStrings(v, `${where}[${i}]`));
  } else if (isMap(value)) {
    for (const [k, v] of Object.entries(value)) {
      walkStrings(v, `${where}.${k}`);
    }
  }
}

function environmentOf(service, where) {
  const env = new Map();
  const { environment } = service;
  if (environment === undefined) {
    return env;
  }
  if (Array.isArray(environment)) {
    for (const entry of environment) {
      if (typeof entry !== 'string') {
        problem(`${where}.environment: entry ${JSON.stringify(entry)} is not a string`);
        continue;
      }
      const eq = entry.indexOf('=');
      env.set(eq === -1 ? entry : entry.slice(0, eq), eq === -1 ? null : entry.slice(eq + 1));
    }
  } else if (isMap(environment)) {
    for (const [k, v] of Object.entries(environment)) {
      if (v !== null && !['string', 'number', 'boolean'].includes(typeof v)) {
        problem(`${where}.environment.${k}: value must be a string, number, boolean or null`);
      }
      env.set(k, v);
    }
  } else {
    problem(`${where}.environment must be a mapping or a list`);
  }
  for (const name of env.keys()) {
    if (!ENV_NAME.test(name)) {
      problem(`${where}.environment: "${name}" is not a valid variable name`);
    }
  }
  if (service.env_file !== undefined) {
    problem(`${where}: env_file is not supported by this check; list the variables under environment`);
  }
  return env;
}

function checkPort(value, where) {
  const valid = (n) => Number.isInteger(n) && n >= 1 && n <= 65535;
  const parseRange = (text) => {
    const m = /^(\d+)(?:-(\d+))?$/.exec(text);
    if (!m) {
      return null;
    }
    const lo = Number(m[1]);
    const hi = m[2] ? Number(m[2]) : lo;
    return valid(lo) && valid(hi) && lo <= hi ? [lo, hi] : null;
  };
  if (isMap(value)) {
    if (!valid(Number(value.target))) {
      problem(`${where}: target ${JSON.stringify(value.target)} is not a port`);
    }
    if (value.published !== undefined && !parseRange(String(value.published))) {
      problem(`${where}: published ${JSON.stringify(value.published)} is not a port`);
    }
    if (value.protocol !== undefined && !['tcp', 'udp'].includes(value.protocol)) {
      problem(`${where}: protocol must be tcp or udp`);
    }
    return value.published === undefined
      ? null
      : { host: value.host_ip ?? '', published: String(value.published), target: Number(value.target) };
  }
  if (typeof value === 'number') {
    if (!valid(value)) {
      problem(`${where}: ${value} is not a port`);
    }
    return null;
  }
  if (typeof value !== 'string') {
    problem(`${where}: ${JSON.stringify(value)} is not a port mapping`);
    return null;
  }
  const [spec, protocol] = value.split('/');
  if (protocol !== undefined && !['tcp', 'udp'].includes(protocol)) {
    problem(`${where}: protocol in "${value}" must be tcp or udp`);
  }
  // [ip:]published:target, where ip may be an IPv6 literal in brackets
  const m = /^(?:(\[[0-9a-fA-F:]+\]|\d{1,3}(?:\.\d{1,3}){3}):)?(?:([\d-]*):)?([\d-]+)$/.exec(spec);
  if (!m) {
    problem(`${where}: "${value}" is not [ip:]published:target`);
    return null;
  }
  const [, ip, published, target] = m;
  if (ip && !ip.startsWith('[') && ip.split('.').some((o) => Number(o) > 255)) {
    problem(`${where}: "${ip}" is not an IPv4 address`);
  }
  if (!parseRange(target)) {
    problem(`${where}: container port "${target}" is not a port`);
  }
  if (published && !parseRange(published)) {
    problem(`${where}: published port "${published}" is not a port`);
  }
  return published ? { host: ip ?? '', published, target: Number(target.split('-')[0]) } : null;
}

/** Names from an .env.example: `NAME=` lines are required, `# NAME=` lines optional. */
function readEnvExample(file) {
  const required = new Set();
  const optional = new Set();
  readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .forEach((line, i) => {
      const active = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line);
      if (active) {
        if (required.has(active[1]) || optional.has(active[1])) {
          problem(`${rel(file)}:${i + 1}: ${active[1]} is listed twice`);
        }
        required.add(active[1]);
        return;
      }
      const commented = /^\s*#\s*([A-Z][A-Z0-9_]*)=/.exec(line);
      if (commented) {
        if (required.has(commented[1]) || optional.has(commented[1])) {
          problem(`${rel(file)}:${i + 1}: ${commented[1]} is listed twice`);
        }
        optional.add(commented[1]);
        return;
      }
      if (line.trim() !== '' && !line.trim().startsWith('#')) {
        problem(`${rel(file)}:${i + 1}: not a NAME=value line: ${line}`);
      }
    });
  return { required, optional };
}

/** TypeScript sources (no specs) an app is built from: its own and the libs'. */
function sourceText(app) {
  const roots = [path.join(ROOT, 'apps', app, 'src'), path.join(ROOT, 'libs')];
  let text = '';
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') {
        walk(full);
      } else if (entry.isFile() && entry.name.endsWith('.ts') && !/\.(spec|e2e-spec)\.ts$/.test(entry.name)) {
        text += readFileSync(full, 'utf8');
      }
    }
  };
  roots.filter((r) => existsSync(r)).forEach(walk);
  return text;
}

/**
 * Environment names an app's config classes read: the uppercase fields of the classes in
 * apps/<app>/src/config/, following `extends` into the libraries' *.config.ts classes.
 */
function configNames(app) {
  const classes = new Map();
  const files = [];
  const collect = (dir, match) => {
    if (!existsSync(dir)) {
      return;
    }
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') {
        collect(full, match);
      } else if (entry.isFile() && match(entry.name)) {
        files.push(full);
      }
    }
  };
  const appConfigDir = path.join(ROOT, 'apps', app, 'src', 'config');
  collect(appConfigDir, (n) => n.endsWith('.ts') && !n.endsWith('.spec.ts'));
  collect(path.join(ROOT, 'libs'), (n) => n.endsWith('.config.ts'));
  const own = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/class\s+(\w+)(?:\s+extends\s+(\w+))?\s*\{/g)) {
      // The class body up to the first line that closes it at column 0.
      const body = text.slice(m.index + m[0].length).split(/\n\}/)[0];
      const fields = [...body.matchAll(/^\s+(?:override\s+|readonly\s+)*([A-Z][A-Z0-9_]*)[?!]?\s*[:=]/gm)].map(
        (f) => f[1],
      );
      classes.set(m[1], { parent: m[2], fields });
      if (file.startsWith(appConfigDir)) {
        own.push(m[1]);
      }
    }
  }
  const names = new Map();
  for (const name of own) {
    for (let c = name, seen = 0; c && classes.has(c) && seen < 10; c = classes.get(c).parent, seen++) {
      for (const field of classes.get(c).fields) {
        if (!names.has(field)) {
          names.set(field, name);
        }
      }
    }
  }
  return names;
}

function checkBuild(name, service, where) {
  const build = typeof service.build === 'string' ? { context: service.build } : service.build;
  if (!isMap(build)) {
    problem(`${where}.build must be a path or a mapping`);
    return;
  }
  const context = path.resolve(BASE, build.context ?? '.');
  if (!existsSync(context) || !statSync(context).isDirectory()) {
    problem(`${where}.build.context ${rel(context)} is not a directory`);
    return;
  }
  const dockerfile = path.resolve(context, build.dockerfile ?? 'Dockerfile');
  if (!existsSync(dockerfile)) {
    problem(`${where}.build.dockerfile ${rel(dockerfile)} does not exist`);
    return;
  }
  const text = readFileSync(dockerfile, 'utf8');
  const declared = new Set([...text.matchAll(/^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)/gim)].map((m) => m[1]));
  const args = Array.isArray(build.args)
    ? Object.fromEntries(build.args.map((a) => String(a).split(/=(.*)/s).slice(0, 2)))
    : (build.args ?? {});
  for (const arg of Object.keys(args)) {
    if (!declared.has(arg)) {
      problem(`${where}.build.args.${arg}: ${rel(dockerfile)} declares no ARG ${arg}`);
    }
  }
  if (APPS.includes(name)) {
    if (args.APP !== name) {
      problem(`${where}.build.args.APP must be "${name}" (got ${JSON.stringify(args.APP)})`);
    } else if (!existsSync(path.join(ROOT, 'apps', name))) {
      problem(`${where}.build.args.APP: apps/${name} does not exist`);
    }
  }
  return { dockerfile, text };
}

/** Container paths of a service's volumes and bind mounts. */
function volumeTargets(service) {
  return (Array.isArray(service.volumes) ? service.volumes : [])
    .map((v) => (typeof v === 'string' ? v.split(':')[1] : isMap(v) ? v.target : undefined))
    .filter((t) => typeof t === 'string')
    .map((t) => t.replace(/\/+$/, ''));
}

/** `${NAME...}` and `$NAME` references in the compose file (not `$$`). */
function interpolatedNames(text) {
  const names = new Set();
  for (const m of text.matchAll(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)|\$([A-Za-z_][A-Za-z0-9_]*)/g)) {
    if (m[1] ?? m[2]) {
      names.add(m[1] ?? m[2]);
    }
  }
  return names;
}

/** The root .env.example: every variable the compose file interpolates, each with a value. */
function checkRootEnvExample() {
  const file = path.join(BASE, '.env.example');
  if (!existsSync(file)) {
    problem(`${rel(file)} does not exist (it lists the variables docker-compose.yml reads)`);
    return;
  }
  const { required, optional } = readEnvExample(file);
  const used = interpolatedNames(readFileSync(COMPOSE_FILE, 'utf8').replace(/^\s*#.*$/gm, ''));
  for (const name of used) {
    if (!required.has(name)) {
      problem(`${rel(COMPOSE_FILE)} reads \${${name}}, but ${rel(file)} gives it no value`);
    }
  }
  for (const name of [...required, ...optional]) {
    if (!used.has(name)) {
      problem(`${rel(file)} lists ${name}, which ${rel(COMPOSE_FILE)} never reads`);
    }
  }
}

/** An app image: built in stages, run as a non-root user, healthy only when /health/ready says so. */
function checkAppDockerfile(where, text) {
  const stages = text.split(/^\s*FROM\s+/im).slice(1);
  if (stages.length < 2) {
    problem(`${where}: the Dockerfile must be multi-stage (build, then a small runtime image)`);
    return;
  }
  const runtime = stages[stages.length - 1];
  const users = [...runtime.matchAll(/^\s*USER\s+(\S+)/gim)].map((m) => m[1]);
  if (users.length === 0 || ['root', '0', '0:0'].includes(users[users.length - 1])) {
    problem(`${where}: the Dockerfile's runtime stage must end as a non-root USER`);
  }
  if (!/^\s*HEALTHCHECK\s+(?!NONE)[\s\S]*\/health\/ready/im.test(runtime)) {
    problem(`${where}: the Dockerfile's runtime stage needs a HEALTHCHECK on /health/ready`);
  }
}

function main() {
  const compose = loadCompose();
  if (compose === null) {
    return;
  }
  if (!isMap(compose)) {
    problem(`${rel(COMPOSE_FILE)} must be a mapping at the top level`);
    return;
  }
  walkStrings(compose, 'compose');
  const services = compose.services;
  if (!isMap(services)) {
    problem('top-level "services" must be a mapping');
    return;
  }
  for (const name of REQUIRED_SERVICES) {
    if (!(name in services)) {
      problem(`services.${name} is missing`);
    }
  }
  const declaredVolumes = new Set(Object.keys(isMap(compose.volumes) ? compose.volumes : {}));
  const published = new Map();
  const healthy = new Set();

  for (const [name, service] of Object.entries(services)) {
    const where = `services.${name}`;
    if (!isMap(service)) {
      problem(`${where} must be a mapping`);
      continue;
    }
    if (!service.image && !service.build) {
      problem(`${where} has neither image nor build`);
    }
    let dockerfileText = '';
    if (service.build) {
      dockerfileText = checkBuild(name, service, where)?.text ?? '';
      if (APPS.includes(name) && dockerfileText) {
        checkAppDockerfile(where, dockerfileText);
      }
    }
    const replicas = service.deploy?.replicas ?? service.scale ?? 1;
    if (!Number.isInteger(replicas) || replicas < 0) {
      problem(`${where}: deploy.replicas must be a whole number`);
    }
    if (REPLICATED[name] && !(replicas >= REPLICATED[name])) {
      problem(`${where}: runs ${replicas} instance(s); the local cluster runs ${REPLICATED[name]}`);
    }
    if (replicas > 1 && Array.isArray(service.ports) && service.ports.some((p) => /:\d+:/.test(String(p)))) {
      problem(`${where}: ${replicas} replicas cannot all publish one fixed host port; put them behind the gateway`);
    }
    if (
      service.healthcheck?.test ||
      (!service.healthcheck?.disable && /^\s*HEALTHCHECK\s+(?!NONE)/im.test(dockerfileText))
    ) {
      healthy.add(name);
    }
    if (service.healthcheck?.test !== undefined) {
      const t = service.healthcheck.test;
      if (!(typeof t === 'string' || (Array.isArray(t) && ['CMD', 'CMD-SHELL', 'NONE'].includes(t[0])))) {
        problem(`${where}.healthcheck.test must be a string or a list starting with CMD, CMD-SHELL or NONE`);
      }
    }

    if (service.ports !== undefined) {
      if (!Array.isArray(service.ports)) {
        problem(`${where}.ports must be a list`);
      } else {
        service.ports.forEach((p, i) => {
          const mapping = checkPort(p, `${where}.ports[${i}]`);
          if (mapping) {
            const key = `${mapping.host}:${mapping.published}`;
            if (published.has(key)) {
              problem(
                `${where}.ports[${i}]: host port ${mapping.published} is also published by ${published.get(key)}`,
              );
            }
            published.set(key, name);
          }
        });
      }
    }

    if (service.depends_on !== undefined) {
      const deps = Array.isArray(service.depends_on)
        ? Object.fromEntries(service.depends_on.map((d) => [d, {}]))
        : isMap(service.depends_on)
          ? service.depends_on
          : null;
      if (!deps) {
        problem(`${where}.depends_on must be a list or a mapping`);
      } else {
        for (const [dep, spec] of Object.entries(deps)) {
          if (!(dep in services)) {
            problem(`${where}.depends_on: "${dep}" is not a service`);
          }
          if (dep === name) {
            problem(`${where}.depends_on: a service cannot depend on itself`);
          }
          if (isMap(spec) && spec.condition !== undefined && !DEPENDS_CONDITIONS.includes(spec.condition)) {
            problem(`${where}.depends_on.${dep}.condition must be one of ${DEPENDS_CONDITIONS.join(', ')}`);
          }
        }
      }
    }

    for (const [i, v] of (Array.isArray(service.volumes) ? service.volumes : []).entries()) {
      const source = typeof v === 'string' ? v.split(':')[0] : isMap(v) ? v.source : undefined;
      if (!source || (typeof v === 'string' && !v.includes(':'))) {
        continue; // anonymous volume
      }
      if (/^[./~]/.test(source)) {
        if (!existsSync(path.resolve(BASE, source))) {
          problem(`${where}.volumes[${i}]: bind-mount source ${source} does not exist`);
        }
      } else if (!declaredVolumes.has(source)) {
        problem(`${where}.volumes[${i}]: named volume "${source}" is not declared under top-level volumes`);
      }
    }
  }

  // service_healthy needs a health check on the dependency (its own or its image's HEALTHCHECK).
  for (const [name, service] of Object.entries(services)) {
    if (isMap(service?.depends_on)) {
      for (const [dep, spec] of Object.entries(service.depends_on)) {
        if (spec?.condition === 'service_healthy' && dep in services && !healthy.has(dep)) {
          problem(`services.${name}.depends_on.${dep}: service_healthy, but ${dep} has no health check`);
        }
      }
    }
  }
  // depends_on cycles would make compose refuse to start.
  const visiting = new Set();
  const done = new Set();
  const depsOf = (s) => {
    const d = services[s]?.depends_on;
    return Array.isArray(d) ? d : isMap(d) ? Object.keys(d) : [];
  };
  const visit = (s, trail) => {
    if (done.has(s) || !(s in services)) {
      return;
    }
    if (visiting.has(s)) {
      problem(`depends_on cycle: ${[...trail, s].join(' -> ')}`);
      return;
    }
    visiting.add(s);
    depsOf(s).forEach((d) => visit(d, [...trail, s]));
    visiting.delete(s);
    done.add(s);
  };
  Object.keys(services).forEach((s) => visit(s, []));
  checkRootEnvExample();

  for (const app of APPS) {
    const service = services[app];
    if (!isMap(service)) {
      continue;
    }
    const where = `services.${app}`;
    const env = environmentOf(service, where);
    const exampleFile = path.join(ROOT, 'apps', app, '.env.example');
    if (!existsSync(exampleFile)) {
      problem(`${rel(exampleFile)} does not exist`);
      continue;
    }
    const { required, optional } = readEnvExample(exampleFile);
    const mounts = volumeTargets(service);
    for (const [key, value] of env) {
      const secret = fileVariableOf(key);
      const name = secret ?? key;
      if (!required.has(name) && !optional.has(name)) {
        problem(`${where}.environment.${key} is not in ${rel(exampleFile)}`);
      }
      if (secret && env.has(secret)) {
        problem(`${where}.environment sets both ${secret} and ${key} (the app refuses that)`);
      }
      if (secret && !mounts.some((m) => typeof value === 'string' && value.startsWith(`${m}/`))) {
        problem(`${where}.environment.${key}: ${value} is not under a volume mounted into ${app}`);
      }
    }
    for (const name of required) {
      if (!env.has(name) && !env.has(`${name}_FILE`)) {
        problem(`${rel(exampleFile)} lists ${name}, but ${where}.environment does not set it`);
      }
    }
    for (const [name, cls] of configNames(app)) {
      if (!required.has(name) && !optional.has(name)) {
        problem(`${rel(exampleFile)} does not document ${name}, which ${cls} reads`);
      }
    }
    const sources = sourceText(app);
    for (const name of [...required, ...optional]) {
      const dynamic = app === 'auth' && CLIENT_SECRET_VARIABLES.has(name);
      if (sources && !dynamic && !new RegExp(`\\b${name}\\b`).test(sources)) {
        problem(
          `${rel(exampleFile)}: ${name} appears nowhere in apps/${app}/src or libs/ (a name the app does not read?)`,
        );
      }
    }
    const port = env.get('PORT');
    if (port !== undefined && port !== null && Array.isArray(service.ports)) {
      const targets = service.ports.map((p) =>
        isMap(p) ? Number(p.target) : Number(String(p).split('/')[0].split(':').pop().split('-')[0]),
      );
      if (!targets.includes(Number(port))) {
        problem(`${where}: PORT is ${port} but no ports entry targets container port ${port}`);
      }
    }
  }
}

main();
if (problems.length > 0) {
  console.error(`${rel(COMPOSE_FILE)}: ${problems.length} problem(s):`);
  for (const p of problems) {
    console.error(`  - ${p}`);
  }
  process.exit(1);
}
console.log(
  `${rel(COMPOSE_FILE)}: OK (${Object.keys(parseDocument(readFileSync(COMPOSE_FILE, 'utf8')).toJS().services).length} services)`,
);
