import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { fileVariableOf, readEnvFiles } from './env-files';

describe('readEnvFiles: a secret given as <NAME>_FILE', () => {
  let dir: string;
  const file = (name: string, content: string | Buffer): string => {
    const p = path.join(dir, name);
    writeFileSync(p, content);
    return p;
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tessera-env-files-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the file into the variable, without one trailing line break, and drops <NAME>_FILE', () => {
    const { env, problems } = readEnvFiles({
      NATS_PASSWORD_FILE: file('nats', 'p0123456789abcdef\n'),
      AUTH_KEY_ENCRYPTION_KEY_FILE: file('kek', 'a2V5\r\n'),
      PORT: '3001',
    });
    expect(problems).toEqual([]);
    expect(env).toEqual({ NATS_PASSWORD: 'p0123456789abcdef', AUTH_KEY_ENCRYPTION_KEY: 'a2V5', PORT: '3001' });
  });

  it('keeps inner and leading whitespace: only the final line break is the file’s, not the secret’s', () => {
    const { env } = readEnvFiles({ ADMIN_PASSWORD_FILE: file('admin', ' two words \n\n') });
    expect(env.ADMIN_PASSWORD).toBe(' two words \n');
  });

  it.each([
    'AUTH_KEY_ENCRYPTION_KEY',
    'AUTH_HS256_SECRET',
    'ADMIN_PASSWORD',
    'NATS_PASSWORD',
    'SERVICE_CLIENT_SECRET',
    'SERVICE_CLIENT_SECRET_ORDERS',
    'SERVICE_CLIENT_SECRET_BILLING_V2',
    'AUTH_DATABASE_URL',
    'ORDERS_DATABASE_URL',
    'GIFT_CARDS_DATABASE_URL',
  ])('accepts %s_FILE', (name) => {
    expect(fileVariableOf(`${name}_FILE`)).toBe(name);
  });

  it.each(['PORT_FILE', 'NODE_OPTIONS_FILE', 'HISTFILE', 'LOG_FILE', 'NATS_URL_FILE', 'ADMIN_EMAIL_FILE'])(
    'ignores %s: only secrets are read from files',
    (key) => {
      const { env, problems } = readEnvFiles({ [key]: '/etc/passwd' });
      expect(problems).toEqual([]);
      expect(env).toEqual({ [key]: '/etc/passwd' });
    },
  );

  it('refuses both <NAME> and <NAME>_FILE, naming them and never the value', () => {
    const { problems } = readEnvFiles({ NATS_PASSWORD: 'p-from-env-secret', NATS_PASSWORD_FILE: file('n', 'x') });
    expect(problems).toEqual(['NATS_PASSWORD and NATS_PASSWORD_FILE are both set: set one of them']);
    expect(problems.join()).not.toContain('p-from-env-secret');
  });

  it('refuses a missing file, an empty one, a directory and an oversized one, never quoting content', () => {
    mkdirSync(path.join(dir, 'sub'));
    const big = file('big', Buffer.alloc(70_000, 'k'));
    const { problems } = readEnvFiles({
      NATS_PASSWORD_FILE: path.join(dir, 'absent'),
      ADMIN_PASSWORD_FILE: file('empty', '\n'),
      AUTH_HS256_SECRET_FILE: path.join(dir, 'sub'),
      AUTH_KEY_ENCRYPTION_KEY_FILE: big,
    });
    expect(problems).toEqual([
      `NATS_PASSWORD_FILE: cannot open ${path.join(dir, 'absent')} (ENOENT)`,
      `ADMIN_PASSWORD_FILE: ${path.join(dir, 'empty')} is empty`,
      `AUTH_HS256_SECRET_FILE: ${path.join(dir, 'sub')} is not a regular file`,
      `AUTH_KEY_ENCRYPTION_KEY_FILE: ${big} is larger than 65536 bytes`,
    ]);
  });

  it('treats an empty <NAME>_FILE as unset', () => {
    expect(readEnvFiles({ NATS_PASSWORD_FILE: '' })).toEqual({ env: { NATS_PASSWORD_FILE: '' }, problems: [] });
  });
});
