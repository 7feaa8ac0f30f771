import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * scripts/lib/services.mjs: the one list of services `npm start`, `npm run cluster` and the
 * compose check read, and the generator extends. A hand edit that breaks it must say what is
 * wrong before anything starts.
 */
const root = path.resolve(__dirname, '../..');

/** Runs validateServices (or loadServices when `json` is undefined) in Node, as the scripts do. */
function validate(json?: unknown): { services?: { name: string }[]; error?: string } {
  const code = `
    import { loadServices, validateServices } from './scripts/lib/services.mjs';
    try {
      const services = ${json === undefined ? 'loadServices()' : `validateServices(${JSON.stringify(json)})`};
      console.log(JSON.stringify({ services }));
    } catch (e) {
      console.log(JSON.stringify({ error: e.message }));
    }`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' });
  return JSON.parse(result.stdout) as { services?: { name: string }[]; error?: string };
}

const service = (name: string, port: number, clusterPorts = [port + 100]) => ({
  name,
  port,
  clusterPorts,
  serviceClient: name !== 'auth',
  env: {},
});

describe('scripts/lib/services.json', () => {
  it('lists auth first, then orders and profile', () => {
    expect(
      validate()
        .services?.slice(0, 3)
        .map((s) => s.name),
    ).toEqual(['auth', 'orders', 'profile']);
  });

  it.each([
    ['auth not first', [service('orders', 3002), service('auth', 3001)], 'auth must be the first service'],
    [
      'a name twice',
      [service('auth', 3001), service('orders', 3002), service('orders', 3003)],
      'service orders is listed twice',
    ],
    ['a port twice', [service('auth', 3001), service('orders', 3001, [3111])], 'port 3001 is used twice'],
    ['a bad name', [service('auth', 3001), service('Orders', 3002)], 'name must be lower-case'],
    ['no cluster port', [service('auth', 3001), service('orders', 3002, [])], 'clusterPorts must be a non-empty list'],
    [
      'a lower-case variable',
      [service('auth', 3001), { ...service('orders', 3002), env: { log_level: 'debug' } }],
      'env.log_level must be an upper-case variable name',
    ],
  ])('refuses %s, naming the problem', (_what, services, message) => {
    expect(validate({ services }).error).toContain(message);
  });
});
