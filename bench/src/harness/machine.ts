import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGb: number;
  node: string;
  platform: string;
  commit: string;
  /** Tracked files differ from the commit (the numbers are of the working tree). */
  dirty: boolean;
  loadAverageAtStart: number[];
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return undefined;
  }
}

/** What the numbers were measured on. Read-only git plumbing: nothing here touches the index. */
export function machineInfo(): MachineInfo {
  const list = cpus();
  let dirty = false;
  try {
    execFileSync('git', ['diff-index', '--quiet', 'HEAD', '--'], { stdio: 'ignore' });
  } catch {
    dirty = true;
  }
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    commit: git(['rev-parse', 'HEAD']) ?? 'unknown',
    dirty,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
