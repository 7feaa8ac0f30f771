// The one list of the services `npm start` and `npm run cluster` run (services.json, which
// `npm run new-service` extends), checked once on load so that a hand edit that breaks it says
// what is wrong instead of starting half a system.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SERVICES_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'services.json');

const NAME = /^[a-z][a-z0-9-]*$/;
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;

/**
 * @typedef {{ name: string, port: number, clusterPorts: number[], serviceClient: boolean, env: Record<string, string> }} Service
 * @param {unknown} parsed the content of services.json
 * @returns {Service[]}
 */
export function validateServices(parsed) {
  const list = parsed && typeof parsed === 'object' ? /** @type {any} */ (parsed).services : undefined;
  if (!Array.isArray(list) || list.length === 0) {
    throw new Error(`${SERVICES_FILE}: "services" must be a non-empty array`);
  }
  const problems = [];
  const port = (p) => Number.isInteger(p) && p > 0 && p < 65536;
  list.forEach((s, i) => {
    const where = `services[${i}]${s && typeof s.name === 'string' ? ` (${s.name})` : ''}`;
    if (!s || typeof s.name !== 'string' || !NAME.test(s.name)) {
      problems.push(`${where}: name must be lower-case letters, digits and "-"`);
    }
    if (!port(s?.port)) {
      problems.push(`${where}: port must be 1 to 65535`);
    }
    if (!Array.isArray(s?.clusterPorts) || s.clusterPorts.length === 0 || !s.clusterPorts.every(port)) {
      problems.push(`${where}: clusterPorts must be a non-empty list of ports`);
    }
    if (typeof s?.serviceClient !== 'boolean') {
      problems.push(`${where}: serviceClient must be true or false`);
    }
    const env = s?.env;
    if (!env || typeof env !== 'object' || Array.isArray(env)) {
      problems.push(`${where}: env must be an object`);
    } else {
      for (const [k, v] of Object.entries(env)) {
        if (!ENV_NAME.test(k) || typeof v !== 'string') {
          problems.push(`${where}: env.${k} must be an upper-case variable name with a string value`);
        }
      }
    }
  });
  const names = list.map((s) => s?.name);
  const ports = list.flatMap((s) => [s?.port, ...(Array.isArray(s?.clusterPorts) ? s.clusterPorts : [])]);
  names.filter((n, i) => names.indexOf(n) !== i).forEach((n) => problems.push(`service ${n} is listed twice`));
  ports.filter((p, i) => ports.indexOf(p) !== i).forEach((p) => problems.push(`port ${p} is used twice`));
  if (names[0] !== 'auth') {
    // Every other service verifies auth's tokens and, in a cluster, needs the streams auth creates.
    problems.push('auth must be the first service');
  }
  if (problems.length > 0) {
    throw new Error(`${SERVICES_FILE}:\n  ${problems.join('\n  ')}`);
  }
  return list;
}

/** @returns {Service[]} */
export function loadServices(file = SERVICES_FILE) {
  return validateServices(JSON.parse(readFileSync(file, 'utf8')));
}

/** `SERVICE_CLIENT_SECRET_<NAME>`: the name upper-cased, "-" as "_" (auth's service-clients.ts). */
export function clientSecretVariable(name) {
  return `SERVICE_CLIENT_SECRET_${name.toUpperCase().replace(/-/g, '_')}`;
}

/** `<NAME>_<suffix>`, e.g. BILLING_DATA_DIR, as each app's config names its own settings. */
export function ownVariable(name, suffix) {
  return `${name.toUpperCase().replace(/-/g, '_')}_${suffix}`;
}

/**
 * Development client secrets for the services' own tokens (client_credentials at auth): random
 * for this run unless set in the environment, and handed to both sides, so nothing has to be
 * copied by hand. Production sets them explicitly (docker-compose.yml requires them).
 * @returns {Record<string, Record<string, string>>} service name → the variables it gets
 */
export function serviceClientSecrets(services, env) {
  const out = Object.fromEntries(services.map((s) => [s.name, {}]));
  for (const s of services.filter((x) => x.serviceClient)) {
    const variable = clientSecretVariable(s.name);
    const secret = env[variable] || randomBytes(32).toString('base64url');
    out.auth[variable] = secret;
    out[s.name].SERVICE_CLIENT_SECRET = secret;
  }
  return out;
}
