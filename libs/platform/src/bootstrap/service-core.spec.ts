import type { ServiceConfig } from '../config/service.config';
import { DatabaseModule } from '../database/database.module';
import { PlatformModule } from '../platform.module';
import { serviceCoreModules } from './service-core';

describe('serviceCoreModules', () => {
  const config = { HOST: '127.0.0.1', PORT: 3002, NATS_URL: 'nats://127.0.0.1:4222', TRUST_PROXY: '' } as ServiceConfig;
  const database = { dataDir: 'memory://', migrationsFolder: '/nowhere', schema: {} };

  it('gives the platform (named after the service) and then the database', () => {
    const [platform, db] = serviceCoreModules('orders', config, database);
    expect(platform?.module).toBe(PlatformModule);
    expect(JSON.stringify(platform?.providers)).toContain('"serviceName":"orders"');
    expect(db?.module).toBe(DatabaseModule);
  });
});
