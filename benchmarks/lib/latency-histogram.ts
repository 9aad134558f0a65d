/**
 * Latencies in microseconds, counted in logarithmic buckets 1 % wide (1 µs to ~10 min in
 * 2,048 numbers), so millions of deliveries cost one small array and histograms from several
 * processes merge by adding counts.
 *
 * @example
 * ```ts
 * const histogram = new LatencyHistogram();
 * histogram.add(1500);
 * histogram.percentile(99); // ≈ 1500 (within 1 %)
 * ```
 */
export class LatencyHistogram {
  static readonly BUCKETS = 2048;
  private static readonly GROWTH = Math.log(1.01);
  readonly counts: Float64Array;
  total = 0;

  constructor(counts?: ArrayLike<number>) {
    this.counts = new Float64Array(LatencyHistogram.BUCKETS);
    if (counts) this.merge(counts);
  }

  add(micros: number): void {
    const bucket = micros < 1 ? 0 : Math.min(LatencyHistogram.BUCKETS - 1, 1 + Math.floor(Math.log(micros) / LatencyHistogram.GROWTH));
    this.counts[bucket]++;
    this.total++;
  }

  merge(counts: ArrayLike<number>): void {
    for (let i = 0; i < counts.length; i++) {
      this.counts[i] += counts[i];
      this.total += counts[i];
    }
  }

  /** The `p`th percentile in microseconds (the bucket's geometric middle), NaN when empty. */
  percentile(p: number): number {
    if (this.total === 0) return NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let bucket = 0; bucket < this.counts.length; bucket++) {
      seen += this.counts[bucket];
      if (seen >= rank) return bucket === 0 ? 0.5 : Math.exp((bucket - 0.5) * LatencyHistogram.GROWTH);
    }
    return NaN;
  }

  /** Counts as a plain array, for IPC (only up to the last bucket used). */
  toArray(): number[] {
    let last = this.counts.length - 1;
    while (last >= 0 && this.counts[last] === 0) last--;
    return Array.from(this.counts.subarray(0, last + 1));
  }
}
