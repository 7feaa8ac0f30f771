import 'reflect-metadata';

import { launchService, platformOptions, runMain } from '@tessera/platform';

import { loadBenchAppConfig } from './bench-app.config';
import { BenchAppModule, SERVICE_NAME } from './bench-app.module';

// The bench service, started by `npm run bench` as a process of its own, like the real apps.
runMain(() => {
  const config = loadBenchAppConfig();
  return launchService(BenchAppModule.forRoot(config), platformOptions(SERVICE_NAME, config));
});
