/** Small helpers the runners' benchmarks share. */

/** The p-th percentile (nearest rank) of a sample. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Milliseconds as a table cell, e.g. `1.72 ms`. */
export function formatMs(value: number): string {
  return `${value.toFixed(2)} ms`;
}
