import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { MachineInfo } from './machine';

export interface Side {
  label: string;
  /** Throughput (or the measured quantity) in `unit`. */
  value?: number;
  unit?: string;
  p50Ms?: number;
  p99Ms?: number;
  /** Server CPU time per request (µs), all threads. */
  cpuUs?: number;
}

/** One line of the table: side A is always Tessera's, B the baseline; `ratio` is A/B. */
export interface Row {
  scenario: string;
  a: Side;
  b?: Side;
  ratio?: number;
  /** Lowest and highest per-round ratio: how much this machine's noise moved it. */
  ratioRange?: [number, number];
  /** e.g. `≥ 0.90`; with `met` when the scenario has a target. */
  target?: string;
  met?: boolean;
  note?: string;
}

export interface Skipped {
  scenario: string;
  reason: string;
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined || Number.isNaN(ms)) {
    return '–';
  }
  if (ms < 1) {
    return `${Math.round(ms * 1000)} µs`;
  }
  return `${ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

function formatValue(value: number, unit: string | undefined): string {
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  const n = value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return unit ? `${n} ${unit}` : n;
}

function formatSide(side: Side | undefined): string {
  if (!side) {
    return '';
  }
  const parts: string[] = [];
  if (side.value !== undefined) {
    parts.push(formatValue(side.value, side.unit));
  }
  if (side.p50Ms !== undefined || side.p99Ms !== undefined) {
    parts.push(`p50 ${formatMs(side.p50Ms)}, p99 ${formatMs(side.p99Ms)}`);
  }
  if (side.cpuUs !== undefined) {
    parts.push(`CPU ${formatMs(side.cpuUs / 1000)}/op`);
  }
  return parts.join('; ');
}

function formatRatio(ratio: number | undefined, range?: [number, number]): string {
  if (ratio === undefined || Number.isNaN(ratio)) {
    return '';
  }
  const one = (r: number) => (r >= 10 ? `${r.toFixed(1)}×` : r.toFixed(2));
  return range ? `${one(ratio)} (${one(range[0])}–${one(range[1])})` : one(ratio);
}

function formatTarget(row: Row): string {
  const verdict = row.target ? `${row.target}${row.met === undefined ? '' : row.met ? ' met' : ' MISSED'}` : '';
  return [verdict, row.note].filter(Boolean).join('; ');
}

const HEADER = [
  'scenario',
  'side A',
  'side B',
  'A: throughput; latency',
  'B: throughput; latency',
  'A/B (rounds)',
  'target; notes',
];

/** The results as a Markdown table (also what the terminal shows, aligned). */
export function table(rows: Row[], skipped: Skipped[]): string {
  const cells = [
    HEADER,
    ...rows.map((r) => [
      r.scenario,
      r.a.label,
      r.b?.label ?? '',
      formatSide(r.a),
      formatSide(r.b),
      formatRatio(r.ratio, r.ratioRange),
      formatTarget(r),
    ]),
    ...skipped.map((s) => [s.scenario, `skipped: ${s.reason}`, '', '', '', '', '']),
  ].map((line) => line.map((cell) => cell.replaceAll('|', '\\|')));
  const widths = HEADER.map((_, i) => Math.max(3, ...cells.map((line) => (line[i] ?? '').length)));
  const render = (line: string[]) => `| ${line.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const [head, ...body] = cells;
  return [render(head ?? []), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...body.map(render)].join('\n');
}

export interface Report {
  machine: MachineInfo;
  startedAt: string;
  finishedAt: string;
  options: Record<string, unknown>;
  scenarios: string[];
  rows: Row[];
  skipped: Skipped[];
  processes: { name: string; readyAfterMs?: number; rssAtReadyMb?: number; rssAtEndMb?: number }[];
  loadAverageAtEnd: number[];
}

/**
 * Writes `<timestamp>.json` (git-ignored), and for a full run `latest.json` and `latest.md` (the
 * table the README quotes), passed through `format` so they stay as Prettier would write them.
 */
export async function writeReport(
  dir: string,
  report: Report,
  full: boolean,
  format: (text: string, file: string) => Promise<string>,
): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${report.startedAt.replace(/[:.]/g, '-')}.json`);
  const json = await format(JSON.stringify(report), file);
  writeFileSync(file, json);
  if (full) {
    writeFileSync(path.join(dir, 'latest.json'), json);
    const md = path.join(dir, 'latest.md');
    writeFileSync(md, await format(`${table(report.rows, report.skipped)}\n`, md));
  }
  return file;
}
