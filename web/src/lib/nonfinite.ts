// Decoding of the wire's non-finite conventions (docs/api.md, "Conventions").
import type { NonfiniteResponse, WireNumber } from "../api/types";

/**
 * The `values` array with NaN/+Inf/-Inf put back at the indices `nonfinite` lists.
 * A null not listed there (never sent by a conforming server) also becomes NaN.
 */
export function decodeValues(values: readonly (number | null)[], nonfinite?: NonfiniteResponse | null): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = v === null || v === undefined ? Number.NaN : v;
  }
  if (nonfinite) {
    for (const i of nonfinite.inf) if (i >= 0 && i < out.length) out[i] = Number.POSITIVE_INFINITY;
    for (const i of nonfinite["-inf"]) if (i >= 0 && i < out.length) out[i] = Number.NEGATIVE_INFINITY;
    for (const i of nonfinite.nan) if (i >= 0 && i < out.length) out[i] = Number.NaN;
  }
  return out;
}

/** An aggregate as a number: the strings "NaN"/"Infinity"/"-Infinity" decoded; null stays null. */
export function wireNumber(value: WireNumber | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return value;
  if (value === "NaN") return Number.NaN;
  if (value === "Infinity") return Number.POSITIVE_INFINITY;
  if (value === "-Infinity") return Number.NEGATIVE_INFINITY;
  return null;
}

export type NonfiniteKind = "nan" | "inf" | "-inf";

/** Kind of a non-finite number, or null for a finite one. */
export function nonfiniteKind(value: number): NonfiniteKind | null {
  if (Number.isNaN(value)) return "nan";
  if (value === Number.POSITIVE_INFINITY) return "inf";
  if (value === Number.NEGATIVE_INFINITY) return "-inf";
  return null;
}
