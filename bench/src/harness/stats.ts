/**
 * Latency samples in milliseconds, kept exactly (autocannon's own histogram has a 1 ms floor,
 * too coarse for sub-millisecond routes). Past `capacity` samples, every other one is kept, so
 * memory stays bounded on long runs and percentiles stay unbiased.
 */
export class Samples {
  private values: Float64Array;
  private length = 0;
  private stride = 1;
  private seen = 0;

  constructor(private readonly capacity = 1 << 20) {
    this.values = new Float64Array(capacity);
  }

  add(ms: number): void {
    if (this.seen++ % this.stride !== 0) {
      return;
    }
    if (this.length === this.capacity) {
      for (let i = 0; i < this.capacity / 2; i++) {
        this.values[i] = this.values[i * 2] ?? 0;
      }
      this.length = this.capacity / 2;
      this.stride *= 2;
    }
    this.values[this.length++] = ms;
  }

  addAll(other: Samples): void {
    for (const v of other.snapshot()) {
      this.add(v);
    }
  }

  get count(): number {
    return this.length;
  }

  snapshot(): Float64Array {
    return this.values.subarray(0, this.length);
  }

  /** Nearest-rank percentile, `p` in [0, 100]. NaN with no samples. */
  percentile(p: number): number {
    return percentile(this.snapshot(), p);
  }
}

export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) {
    return Number.NaN;
  }
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function median(values: number[]): number {
  return percentile(values, 50);
}
