import { randomUUID } from 'node:crypto';

import { connect, headers as natsHeaders } from '@nats-io/transport-node';
import { Headers, namespacedSubject, Subjects } from '@tessera/contracts';

import { compare } from '../harness/compare';
import type { BenchService } from '../harness/context';
import { withServerCpu } from '../harness/http-load';
import { runNats } from '../harness/nats-load';
import type { Row } from '../harness/report';
import { signUserTokens, userTokenSpec } from '../harness/tokens';
import { ratioRow, type Scenario, side } from './scenario';

/** Scenario 4: `profile.get.v1` through NestJS's NATS transport, with and without the guard. */
export const natsScenario: Scenario = {
  id: 4,
  name: 'nats',
  title: 'NATS request/reply with and without the guard',
  async run(ctx) {
    const guarded = await ctx.service('tessera');
    const bare = await ctx.service('none');
    const key = await ctx.key();
    const tokens = signUserTokens(key, userTokenSpec(key, ctx.issuer), 1000);
    const headers = tokens.map((token) => {
      const h = natsHeaders();
      h.set(Headers.Authorization, `Bearer ${token}`);
      return h;
    });
    // The packet NestJS's ClientNats sends: {pattern, data, id}.
    const payload = new TextEncoder().encode(
      JSON.stringify({ pattern: Subjects.ProfileGet, data: { userId: randomUUID() }, id: 'bench' }),
    );
    const nc = await connect({ servers: ctx.natsUrl, name: 'bench-load' });
    const rows: Row[] = [];
    try {
      for (const inFlight of [1, 50]) {
        const load = (service: BenchService) => (seconds: number) =>
          withServerCpu(service.process, () =>
            runNats(
              { nc, subject: namespacedSubject(service.namespace, Subjects.ProfileGet), inFlight, payload, headers },
              seconds,
            ),
          );
        const { a, b, ratio } = await compare(
          ctx.options,
          { label: `guarded, ${inFlight} in flight`, run: load(guarded) },
          { label: `unguarded, ${inFlight} in flight`, run: load(bare) },
        );
        rows.push(
          ratioRow(
            `4 NATS profile.get.v1, ${inFlight} in flight`,
            side('NATS guard', a, 'msg/s'),
            side('no guard', b, 'msg/s'),
            0.9,
            undefined,
            ratio,
          ),
        );
      }
    } finally {
      await nc.close();
    }
    return rows;
  },
};
