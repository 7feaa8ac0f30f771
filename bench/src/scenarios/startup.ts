import type { Row } from '../harness/report';
import type { Scenario } from './scenario';

/**
 * Scenario 8: each app's time from spawn to `GET /health/ready` = 200 (started one at a time,
 * fresh database, migrations included), and its resident memory now: after the guard
 * scenarios when they ran in this invocation, else right after start.
 */
export const startupScenario: Scenario = {
  id: 8,
  name: 'startup',
  title: 'Start-up time and memory',
  async run(ctx) {
    await ctx.cluster();
    await ctx.service('tessera');
    await ctx.service('none');
    return ctx.registry.processes
      .filter((p) => p.readyAfterMs !== undefined)
      .map((p): Row => ({
        scenario: `8 start-up, memory: ${p.name}`,
        a: { label: 'time to ready', value: p.readyAfterMs, unit: 'ms' },
        b: { label: `RSS (at ready ${Math.round(p.rssAtReadyMb ?? 0)} MB)`, value: p.rssMb(), unit: 'MB' },
      }));
  },
};
