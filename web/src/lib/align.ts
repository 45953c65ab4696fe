// uPlot wants one shared x array; runs log at different steps, so their x values are unioned.

export interface XY {
  x: ArrayLike<number>; // ascending
  y: ArrayLike<number>; // NaN/Inf allowed (they become gaps)
}

export interface Aligned {
  x: Float64Array;
  ys: (number | null)[][];
}

/**
 * Union of every series' x, and each y on it (null where a series has no point, or a
 * non-finite one). Repeated x within one series keep only the last point (the last write wins,
 * as the server orders same-step points by write order).
 */
export function alignSeries(series: readonly XY[]): Aligned {
  const x = unionX(series);
  const ys = series.map((s) => fillOnto(x, s));
  return { x, ys };
}

function unionX(series: readonly XY[]): Float64Array {
  let total = 0;
  for (const s of series) total += s.x.length;
  const all = new Float64Array(total);
  let k = 0;
  for (const s of series) for (let i = 0; i < s.x.length; i++) all[k++] = s.x[i]!;
  all.sort();
  let n = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[n - 1]) all[n++] = all[i]!;
  return all.slice(0, n);
}

function fillOnto(x: Float64Array, s: XY): (number | null)[] {
  const out: (number | null)[] = new Array<number | null>(x.length).fill(null);
  let j = 0;
  for (let i = 0; i < s.x.length; i++) {
    const xi = s.x[i]!;
    while (x[j]! < xi) j++;
    const v = s.y[i]!;
    out[j] = Number.isFinite(v) ? v : null;
  }
  return out;
}

/** Replace values that a log scale cannot show (<= 0) by gaps. */
export function positiveOnly(ys: (number | null)[]): (number | null)[] {
  return ys.map((v) => (v !== null && v > 0 ? v : null));
}
