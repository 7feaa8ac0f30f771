import { Metrics } from '@tessera/platform';
import { metricValue } from '@tessera/platform/testing';

import { loadAuthConfig } from '../config/auth.config';
import { TokenExchangeMetrics } from './token-exchange.metrics';

const NAME = 'tessera_auth_exchanged_tokens_issued_total';
const secret = 's'.repeat(43);

function metricsFor(env: Record<string, string>): { exchange: TokenExchangeMetrics; metrics: Metrics } {
  const metrics = new Metrics('auth');
  const config = loadAuthConfig({
    NODE_ENV: 'test',
    SERVICE_CLIENT_SECRET_ORDERS: secret,
    SERVICE_CLIENT_SECRET_PROFILE: secret,
    ...env,
  });
  return { exchange: new TokenExchangeMetrics(config, metrics), metrics };
}

describe('TokenExchangeMetrics', () => {
  it('shows a zero series for each client allowed to exchange, before its first exchange', async () => {
    const { metrics } = metricsFor({
      SERVICE_CLIENTS: 'orders=profile:read,profile=orders:read,reports=orders:read',
      SERVICE_CLIENT_SECRET_REPORTS: secret,
      TOKEN_EXCHANGE_CLIENTS: 'profile=orders:read,reports=orders:read',
    });
    const text = await metrics.scrape();
    expect(text).toMatch(new RegExp(`^${NAME}\\{client="profile",service="auth"\\} 0$`, 'm'));
    expect(text).toMatch(new RegExp(`^${NAME}\\{client="reports",service="auth"\\} 0$`, 'm'));
    // orders may not exchange: no series of its own.
    expect(text).not.toContain('client="orders"');
  });

  it('counts each issued token under the client that exchanged it', async () => {
    const { exchange, metrics } = metricsFor({});
    exchange.issuedTo('profile');
    exchange.issuedTo('profile');
    const text = await metrics.scrape();
    expect(metricValue(text, NAME, { client: 'profile' })).toBe(2);
    expect(metricValue(text, NAME)).toBe(2);
  });

  it('has no series at all when no client may exchange', async () => {
    const { exchange, metrics } = metricsFor({ TOKEN_EXCHANGE_CLIENTS: 'none' });
    exchange.issuedTo('profile');
    expect(await metrics.scrape()).not.toMatch(new RegExp(`^${NAME}\\{`, 'm'));
  });
});
