import { Metrics } from './metrics';

/** The value of one series in a Prometheus text exposition, or undefined. */
function valueOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('Metrics', () => {
  it('keeps each service in a registry of its own, so two in one process never collide', async () => {
    const a = new Metrics('a');
    const b = new Metrics('b');
    a.cellCounter({ name: 'tessera_test_total', help: 'test' }).cell({}).value += 2;
    b.cellCounter({ name: 'tessera_test_total', help: 'test' }).cell({}).value += 5;
    expect(valueOf(await a.scrape(), 'tessera_test_total{service="a"}')).toBe(2);
    expect(valueOf(await b.scrape(), 'tessera_test_total{service="b"}')).toBe(5);
  });

  it('makes a metric once by name and counts into the cells taken from it', async () => {
    const metrics = new Metrics('svc');
    const counter = metrics.cellCounter({ name: 'tessera_things_total', help: 'things', labelNames: ['kind'] });
    expect(metrics.cellCounter({ name: 'tessera_things_total', help: 'things', labelNames: ['kind'] })).toBe(counter);
    const red = counter.cell({ kind: 'red' });
    counter.cell({ kind: 'blue' });
    red.value++;
    red.value++;
    const text = await metrics.scrape();
    expect(valueOf(text, 'tessera_things_total{kind="red",service="svc"}')).toBe(2);
    expect(valueOf(text, 'tessera_things_total{kind="blue",service="svc"}')).toBe(0);
    // Scraping twice reports the same totals, not twice them.
    expect(valueOf(await metrics.scrape(), 'tessera_things_total{kind="red",service="svc"}')).toBe(2);
  });

  it('reads gauges when scraped, NaN while unknown', async () => {
    const metrics = new Metrics('svc');
    const state: { value?: number } = {};
    metrics.gauge({ name: 'tessera_level', help: 'level', read: () => state.value });
    expect(valueOf(await metrics.scrape(), 'tessera_level{service="svc"}')).toBeNaN();
    state.value = 7;
    expect(valueOf(await metrics.scrape(), 'tessera_level{service="svc"}')).toBe(7);
  });

  it('includes the usual Node.js process metrics', async () => {
    const text = await new Metrics('svc').scrape();
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });
});
