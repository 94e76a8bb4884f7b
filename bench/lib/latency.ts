/** Latency samples and their percentiles, for the benchmarks' printouts. */

/** The p-th percentile (0–100) of sorted samples, nearest-rank. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** p50/p95/p99/max of a set of samples in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Summarises samples (milliseconds). */
export function summarise(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

function ms(value: number): string {
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
}

/** One aligned line: label, p50, p95, p99, max (ms) and the sample count. */
export function formatSummary(label: string, summary: LatencySummary, extra = ""): string {
  return (
    `${label.padEnd(34)} p50 ${ms(summary.p50).padStart(6)} ms  p95 ${ms(summary.p95).padStart(6)} ms  ` +
    `p99 ${ms(summary.p99).padStart(6)} ms  max ${ms(summary.max).padStart(6)} ms  n=${summary.count}${extra}`
  );
}
