// Percentiles of the done tickets' times (queries.ts reads them): the rows in the order of each
// time, then every group's median and 90th percentile from one walk of that order.

/** metrics.ts Durations, by shape. */
interface Durations {
  median: number | null;
  p90: number | null;
  count: number;
}

/**
 * The tickets done in a range, as columns: the local day each was done, its assignee, its
 * resolution and first-response times in whole seconds (NaN: no first response), and the row
 * numbers in the order of each time, from which every group's percentiles are read.
 */
export interface DoneRows {
  day: string[];
  agent: (string | null)[];
  r: Float64Array;
  f: Float64Array;
  byR: Uint32Array;
  byF: Uint32Array;
}

/**
 * Row numbers ordered by value (equal values by row), NaN left out. Whole values within 2³² of
 * each other (durations in seconds) are ordered by a radix sort of 16 bits at a time, a few
 * passes over typed arrays; anything else by a sort with a comparison function.
 */
export function orderOf(values: Float64Array): Uint32Array {
  const n = values.length;
  let k = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let whole = true;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (Number.isNaN(v)) continue;
    if (!Number.isInteger(v)) whole = false;
    if (v < min) min = v;
    if (v > max) max = v;
    k++;
  }
  if (!whole || max - min >= 2 ** 32) {
    const idx = [...values.keys()].filter((j) => !Number.isNaN(values[j]));
    return Uint32Array.from(idx.sort((x, y) => (values[x] as number) - (values[y] as number) || x - y));
  }
  let keys = new Uint32Array(k);
  let rows = new Uint32Array(k);
  for (let i = 0, j = 0; i < n; i++) {
    const v = values[i] as number;
    if (Number.isNaN(v)) continue;
    keys[j] = v - min;
    rows[j++] = i;
  }
  // Least significant digit first; each pass is stable, so equal values keep their row order.
  let nextKeys = new Uint32Array(k);
  let nextRows = new Uint32Array(k);
  const counts = new Uint32Array(65_536);
  for (let shift = 0; shift < 32 && (max - min) / 2 ** shift >= 1; shift += 16) {
    counts.fill(0);
    for (let j = 0; j < k; j++) {
      const d = ((keys[j] as number) >>> shift) & 0xffff;
      counts[d] = (counts[d] as number) + 1;
    }
    let at = 0;
    for (let d = 0; d < 65_536; d++) {
      const c = counts[d] as number;
      counts[d] = at;
      at += c;
    }
    for (let j = 0; j < k; j++) {
      const key = keys[j] as number;
      const d = (key >>> shift) & 0xffff;
      const to = counts[d] as number;
      counts[d] = to + 1;
      nextKeys[to] = key;
      nextRows[to] = rows[j] as number;
    }
    [keys, nextKeys] = [nextKeys, keys];
    [rows, nextRows] = [nextRows, rows];
  }
  return rows;
}

export interface TimePercentiles {
  resolution: Durations;
  firstResponse: Durations;
}

/**
 * Median (the mean of the middle two values when their number is even) and 90th percentile
 * (nearest rank, ⌈0.9·n⌉) of durations already in order.
 */
export function durationsOf(sorted: ArrayLike<number>): Durations {
  const n = sorted.length;
  if (n === 0) return { median: null, p90: null, count: 0 };
  const at = (rank: number) => sorted[rank - 1] as number;
  return {
    median: (at(Math.floor((n + 1) / 2)) + at(Math.floor((n + 2) / 2))) / 2,
    p90: at(Math.floor((9 * n + 9) / 10)),
    count: n,
  };
}

/**
 * The resolution and first-response times of the done tickets per key (a day, a week, an agent),
 * or of all of them without `keyOf`: each row's group is looked up once, then the rows are walked
 * in the order of each time, so every group's list comes out sorted.
 */
export function timePercentiles(
  done: DoneRows,
  keyOf?: (row: number) => string,
): Map<string, TimePercentiles> {
  const n = done.r.length;
  const names: string[] = [];
  const ids = new Int32Array(n);
  if (keyOf) {
    const index = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const k = keyOf(i);
      let g = index.get(k);
      if (g === undefined) {
        g = names.length;
        names.push(k);
        index.set(k, g);
      }
      ids[i] = g;
    }
  } else if (n > 0) names.push("all");
  const collect = (byValue: Uint32Array, values: Float64Array) => {
    const lists = names.map((): number[] => []);
    for (const i of byValue) (lists[ids[i] as number] as number[]).push(values[i] as number);
    return lists;
  };
  const r = collect(done.byR, done.r);
  const f = collect(done.byF, done.f);
  const out = new Map<string, TimePercentiles>();
  for (const [g, k] of names.entries()) {
    out.set(k, { resolution: durationsOf(r[g] as number[]), firstResponse: durationsOf(f[g] as number[]) });
  }
  return out;
}
