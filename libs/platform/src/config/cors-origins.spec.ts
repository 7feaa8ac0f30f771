import { ConfigValidationError, loadConfig } from './load-config';
import { platformOptions, ServiceConfig } from './service.config';

class TestConfig extends ServiceConfig {
  override PORT: number = 3000;
}

const PRODUCTION = { NODE_ENV: 'production', NATS_USER: 'orders', NATS_PASSWORD: `p${'0'.repeat(40)}` };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(TestConfig, env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigValidationError);
    return (e as ConfigValidationError).problems;
  }
  throw new Error('expected the configuration to be refused');
}

describe('CORS_ORIGINS', () => {
  it('is off when unset or empty', () => {
    expect(platformOptions('auth', loadConfig(TestConfig, {})).corsOrigins).toEqual([]);
    expect(platformOptions('auth', loadConfig(TestConfig, { CORS_ORIGINS: '' })).corsOrigins).toEqual([]);
  });

  it('hands the listed origins, trimmed and without duplicates, to the platform', () => {
    const config = loadConfig(TestConfig, {
      CORS_ORIGINS: 'https://console.example.com, http://localhost:3000,https://console.example.com,http://[::1]:8080',
    });
    expect(platformOptions('auth', config).corsOrigins).toEqual([
      'https://console.example.com',
      'http://localhost:3000',
      'http://[::1]:8080',
    ]);
  });

  it.each([
    ['a wildcard', '*'],
    ['the null origin', 'null'],
    ['a trailing slash', 'https://console.example.com/'],
    ['a path', 'https://console.example.com/app'],
    ['a query', 'https://console.example.com?x=1'],
    ['an upper-case host', 'https://Console.example.com'],
    ['a default port', 'https://console.example.com:443'],
    ['credentials', 'https://user:pw@console.example.com'],
    ['another scheme', 'ftp://console.example.com'],
    ['no scheme', 'console.example.com'],
    ['a pattern', 'https://*.example.com'],
    ['an empty entry', 'https://a.example.com,,https://b.example.com'],
  ])('refuses %s, naming the entry by position', (_, value) => {
    expect(problems({ CORS_ORIGINS: value })).toEqual([expect.stringMatching(/^CORS_ORIGINS entry \d: /)]);
  });

  it('lists every bad entry at once', () => {
    expect(problems({ CORS_ORIGINS: 'https://ok.example.com,*,https://x.example.com/' })).toEqual([
      expect.stringMatching(/^CORS_ORIGINS entry 2: wildcards/),
      expect.stringMatching(/^CORS_ORIGINS entry 3: must be an http\(s\) origin/),
    ]);
  });

  it('refuses plain http in production except on loopback', () => {
    expect(problems({ ...PRODUCTION, CORS_ORIGINS: 'http://console.example.com' })).toEqual([
      'CORS_ORIGINS entry 1: must use https in production (plain http is allowed only for localhost)',
    ]);
    const config = loadConfig(TestConfig, {
      ...PRODUCTION,
      CORS_ORIGINS: 'https://console.example.com,http://localhost:3000,http://127.0.0.1:3000',
    });
    expect(config.corsOrigins).toEqual([
      'https://console.example.com',
      'http://localhost:3000',
      'http://127.0.0.1:3000',
    ]);
  });

  it('accepts plain http outside production', () => {
    expect(loadConfig(TestConfig, { CORS_ORIGINS: 'http://console.test:8080' }).corsOrigins).toEqual([
      'http://console.test:8080',
    ]);
  });
});
