/** The p-th percentile (0-100) of the values, interpolated between the closest ranks. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lowValue = sorted[low] as number;
  return lowValue + ((sorted[high] as number) - lowValue) * (rank - low);
}

export const median = (values: readonly number[]) => percentile(values, 50);

export const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

export interface Summary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

export function summarise(values: readonly number[]): Summary {
  return {
    n: values.length,
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    min: values.length ? Math.min(...values) : Number.NaN,
    max: values.length ? Math.max(...values) : Number.NaN,
    mean: values.length ? sum(values) / values.length : Number.NaN,
  };
}

/**
 * The sides of a comparison measured in alternation: each round measures every side once, the
 * order rotating from round to round (so no side always runs first, on a cooler or warmer
 * machine). Returns each side's results, in round order.
 */
export async function interleave<S extends string, T>(
  sides: readonly S[],
  rounds: number,
  measure: (side: S, round: number) => Promise<T>,
): Promise<Record<S, T[]>> {
  const results = Object.fromEntries(sides.map((side) => [side, [] as T[]])) as Record<S, T[]>;
  for (let round = 0; round < rounds; round += 1) {
    for (let index = 0; index < sides.length; index += 1) {
      const side = sides[(index + round) % sides.length] as S;
      results[side].push(await measure(side, round));
    }
  }
  return results;
}

/**
 * The median of per-round ratios a[i] / b[i]: the ratio of two interleaved measurements, robust
 * to the machine getting slower or faster during the run (both sides of a round see the same).
 */
export function medianRatio(a: readonly number[], b: readonly number[]): number {
  const ratios: number[] = [];
  for (let index = 0; index < Math.min(a.length, b.length); index += 1) {
    const divisor = b[index] as number;
    if (divisor > 0) ratios.push((a[index] as number) / divisor);
  }
  return median(ratios);
}

/** Rounds to a number of significant-looking decimals: 1234 → 1234, 12.34 → 12.3, 1.234 → 1.23. */
export function round(value: number, decimals?: number): number {
  if (!Number.isFinite(value)) return value;
  const places = decimals ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
  const factor = 10 ** places;
  return Math.round(value * factor) / factor;
}
