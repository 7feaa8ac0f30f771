import { compare } from '../harness/compare';
import { runHttp, withServerCpu } from '../harness/http-load';
import { signUserTokens, userTokenSpec } from '../harness/tokens';
import { ratioRow, type Scenario, side } from './scenario';

/**
 * Scenario 0, the noise floor: the unguarded service against itself, measured exactly as the
 * comparisons are. Identical sides: any distance from 1.00, and the round range, is what this
 * machine's other load does to a ratio in this run.
 */
export const noiseScenario: Scenario = {
  id: 0,
  name: 'noise',
  title: 'Noise floor: the same service against itself',
  async run(ctx) {
    const bare = await ctx.service('none');
    const key = await ctx.key();
    const requests = signUserTokens(key, userTokenSpec(key, ctx.issuer), 1000).map((token) => ({
      headers: { authorization: `Bearer ${token}` },
    }));
    const run = (seconds: number) =>
      withServerCpu(bare.process, () =>
        runHttp(
          { url: `${bare.url}/bench/hello`, connections: ctx.options.connections, expectStatus: 200, requests },
          seconds,
        ),
      );
    const { a, b, ratio } = await compare(ctx.options, { label: 'A', run }, { label: 'A again', run });
    return [
      ratioRow(
        '0 noise floor (A/A)',
        side('no guard', a, 'req/s'),
        side('no guard, again', b, 'req/s'),
        undefined,
        'identical sides: the spread is noise',
        ratio,
      ),
    ];
  },
};
