import { ConfigValidationError, loadConfig } from './load-config';
import { ServiceConfig } from './service.config';

const load = (env: Record<string, string>) => loadConfig(ServiceConfig, { PORT: '3000', ...env });

describe('boolean settings (DOCS_ENABLED)', () => {
  it('is true when unset', () => {
    expect(load({}).DOCS_ENABLED).toBe(true);
  });

  it('reads "false" as false and "true" as true', () => {
    expect(load({ DOCS_ENABLED: 'false' }).DOCS_ENABLED).toBe(false);
    expect(load({ DOCS_ENABLED: 'true' }).DOCS_ENABLED).toBe(true);
  });

  it.each(['no', '0', 'False', 'yes'])('refuses %p, naming the variable', (value) => {
    expect(() => load({ DOCS_ENABLED: value })).toThrow(ConfigValidationError);
    expect(() => load({ DOCS_ENABLED: value })).toThrow(/DOCS_ENABLED must be true or false/);
  });
});
