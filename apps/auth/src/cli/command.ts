import type { INestApplicationContext } from '@nestjs/common';

/** A usage problem the operator can fix by reading the help: exit code 2. */
export class UsageError extends Error {}

/** What a command does once auth's context is up; it resolves the services it calls from `app`. */
export type Action = (app: INestApplicationContext) => Promise<void> | void;

/** What the program gives every command file. */
export interface CommandHost {
  /**
   * Chooses what runs once the context is up. A commander action calls this after checking its
   * arguments, so a usage mistake is reported before NATS or the database are touched.
   */
  run(action: Action): void;
  /** Prints `human`, or `data` as JSON under `--json`. */
  print(human: string, data: unknown): void;
  /** Reads a file, or standard input for "-". */
  readFile(path: string): string;
}

/** A plain-text table: a header line, then one line per row; null and undefined print as "-". */
export function table(rows: Record<string, unknown>[], columns: string[]): string {
  const cell = (v: unknown): string =>
    v === null || v === undefined
      ? '-'
      : v instanceof Date
        ? v.toISOString()
        : typeof v === 'string'
          ? v
          : JSON.stringify(v);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(columns), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n');
}
