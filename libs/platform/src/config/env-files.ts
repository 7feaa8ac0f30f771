import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * The secrets that may come from a file instead of the environment: `<NAME>_FILE` names the file
 * (Docker and Kubernetes secrets, docker-compose.yml). Only these, so that an unrelated
 * `*_FILE` variable of the host never makes a service read a file.
 */
const FILE_VARIABLES: readonly RegExp[] = [
  /^AUTH_KEY_ENCRYPTION_KEY$/,
  /^AUTH_HS256_SECRET$/,
  /^ADMIN_PASSWORD$/,
  /^NATS_PASSWORD$/,
  // May hold the SMTP server's password.
  /^SMTP_URL$/,
  /^SERVICE_CLIENT_SECRET(_[A-Z0-9_]+)?$/,
  // <SERVICE>_DATABASE_URL; a hyphenated service name (gift-cards) has underscores in it.
  /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*_DATABASE_URL$/,
];

/** A secret file is a few hundred bytes; anything this large is the wrong file. */
const MAX_FILE_BYTES = 64 * 1024;

export interface EnvFiles {
  /** The environment with every `<NAME>_FILE` read into `<NAME>`. */
  env: Record<string, string | undefined>;
  /** One line per unusable file; never a file's content. */
  problems: string[];
}

/** `<NAME>_FILE` variables whose `<NAME>` may be read from a file. */
export function fileVariableOf(key: string): string | undefined {
  if (!key.endsWith('_FILE')) {
    return undefined;
  }
  const name = key.slice(0, -'_FILE'.length);
  return FILE_VARIABLES.some((re) => re.test(name)) ? name : undefined;
}

function readSecretFile(file: string): { value?: string; problem?: string } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    return { problem: `cannot open ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      return { problem: `${file} is not a regular file` };
    }
    if (stat.size > MAX_FILE_BYTES) {
      return { problem: `${file} is larger than ${MAX_FILE_BYTES} bytes` };
    }
    const buffer = Buffer.alloc(stat.size);
    const read = readSync(fd, buffer, 0, stat.size, 0);
    // One trailing line break is how `echo` and editors end a file; it is not part of the secret.
    const value = buffer
      .subarray(0, read)
      .toString('utf8')
      .replace(/\r?\n$/, '');
    return value === '' ? { problem: `${file} is empty` } : { value };
  } catch (err) {
    return { problem: `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads every `<NAME>_FILE` of a secret into `<NAME>`. Setting both is refused: which of the two
 * wins would be a guess, and a stale variable silently overriding a rotated file is how outages
 * (or weaker secrets) happen.
 */
export function readEnvFiles(env: Record<string, string | undefined>): EnvFiles {
  const resolved: Record<string, string | undefined> = { ...env };
  const problems: string[] = [];
  for (const [key, file] of Object.entries(env)) {
    const name = fileVariableOf(key);
    if (!name || file === undefined || file === '') {
      continue;
    }
    if (env[name] !== undefined && env[name] !== '') {
      problems.push(`${name} and ${key} are both set: set one of them`);
      continue;
    }
    const { value, problem } = readSecretFile(file);
    if (problem) {
      problems.push(`${key}: ${problem}`);
    } else {
      resolved[name] = value;
    }
    delete resolved[key];
  }
  return { env: resolved, problems };
}
