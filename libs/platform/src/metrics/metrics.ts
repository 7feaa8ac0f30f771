import type { LabelValues } from 'prom-client';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Where every service serves its metrics, in the Prometheus text format. */
export const METRICS_PATH = '/metrics';

/** Latency buckets in seconds, for HTTP and NATS requests alike: 1 ms to 10 s. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface MetricConfig<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
}

/** One series of a CellCounter: increment `value` directly. */
export interface CounterCell {
  value: number;
}

/**
 * A counter whose hot path is a plain `cell.value++` on a cell the caller took once: no label
 * object, no hashing, no allocation per event. prom-client reads the cells when scraped.
 */
export class CellCounter<L extends string> {
  private readonly cells: { labels: LabelValues<L>; cell: CounterCell }[] = [];

  constructor(registry: Registry, config: MetricConfig<L>) {
    const cells = this.cells;
    new Counter<L>({
      name: config.name,
      help: config.help,
      labelNames: config.labelNames ?? [],
      registers: [registry],
      collect() {
        this.reset();
        for (const { labels, cell } of cells) {
          this.inc(labels, cell.value);
        }
      },
    });
  }

  /** The series for `labels`; take it once (at start or on first use) and keep it. */
  cell(labels: LabelValues<L>): CounterCell {
    const cell = { value: 0 };
    this.cells.push({ labels, cell });
    return cell;
  }
}

/**
 * The metrics of one service process, in a registry of its own rather than prom-client's
 * global one, so several services booted in one process (the end-to-end tests) never collide.
 * Metrics are made once by name: asking twice returns the first.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly made = new Map<string, unknown>();

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    // Process CPU, memory, event-loop lag, GC: the usual Node.js metrics, prefixed nodejs_/process_.
    collectDefaultMetrics({ register: this.registry });
  }

  counter<L extends string>(config: MetricConfig<L>): Counter<L> {
    return this.once(
      config.name,
      () => new Counter<L>({ ...config, labelNames: config.labelNames ?? [], registers: [this.registry] }),
    );
  }

  cellCounter<L extends string>(config: MetricConfig<L>): CellCounter<L> {
    return this.once(config.name, () => new CellCounter<L>(this.registry, config));
  }

  histogram<L extends string>(config: MetricConfig<L> & { buckets?: number[] }): Histogram<L> {
    return this.once(
      config.name,
      () =>
        new Histogram<L>({
          ...config,
          labelNames: config.labelNames ?? [],
          buckets: config.buckets ?? LATENCY_BUCKETS,
          registers: [this.registry],
        }),
    );
  }

  /**
   * A gauge read when scraped: `read` answers the current value (undefined: unknown, NaN), or a
   * promise of it (a count in the database); a read that fails reports NaN.
   */
  gauge(config: MetricConfig<never> & { read: () => number | undefined | Promise<number | undefined> }): Gauge {
    return this.once(config.name, () => {
      const { read, ...rest } = config;
      return new Gauge({
        ...rest,
        labelNames: [],
        registers: [this.registry],
        collect() {
          const value = read();
          if (!(value instanceof Promise)) {
            this.set(value ?? Number.NaN);
            return;
          }
          return value.then(
            (v) => this.set(v ?? Number.NaN),
            () => this.set(Number.NaN),
          );
        },
      });
    });
  }

  /** Everything, in the Prometheus text exposition format (`contentType`). */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private once<T>(name: string, make: () => T): T {
    if (!this.made.has(name)) {
      this.made.set(name, make());
    }
    return this.made.get(name) as T;
  }
}
