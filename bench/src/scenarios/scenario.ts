import type { PairedRatio, Summary } from '../harness/compare';
import type { BenchContext } from '../harness/context';
import type { Row, Side } from '../harness/report';

export interface Scenario {
  id: number;
  /** What `npm run bench -- <name>` takes. */
  name: string;
  title: string;
  /** Runs in this process alone: no NATS, no services. */
  inProcess?: boolean;
  run(ctx: BenchContext): Promise<Row[]>;
}

export function side(label: string, summary: Summary, unit: string): Side {
  return {
    label,
    value: summary.rate,
    unit,
    p50Ms: summary.p50Ms,
    p99Ms: summary.p99Ms,
    ...(summary.cpuPerRequestUs !== undefined ? { cpuUs: summary.cpuPerRequestUs } : {}),
  };
}

/**
 * A row comparing Tessera (A) with a baseline (B) against a minimum ratio A/B: the median of
 * the comparison's per-round ratios when given (with their range), else the overall rates'.
 */
export function ratioRow(
  scenario: string,
  a: Side,
  b: Side,
  minimum: number | undefined,
  note?: string,
  paired?: PairedRatio,
): Row {
  const ratio = paired?.median ?? (a.value ?? 0) / (b.value ?? 1);
  const row: Row = {
    scenario,
    a,
    b,
    ratio,
    ...(paired ? { ratioRange: [paired.min, paired.max] as [number, number] } : {}),
    ...(note ? { note } : {}),
  };
  if (minimum !== undefined) {
    row.target = minimum >= 10 ? `≥ ${minimum}×` : `≥ ${minimum.toFixed(2)}`;
    row.met = ratio >= minimum;
  }
  return row;
}
