// From a finding to the place that shows its evidence: pure, so it is tested without a browser.
import type { FindingCountsResponse, FindingResponse } from "../api/types";
import type { Route } from "./route";

/** The run's series names by kind (from GET /runs/{id}/series). */
export interface SeriesKinds {
  scalar: ReadonlySet<string>;
  tensor: ReadonlySet<string>;
}

/** Series named by a finding's `evidence.series` (a list of names, or one name). */
export function evidenceSeries(finding: FindingResponse): string[] {
  const value = finding.evidence["series"];
  const list = Array.isArray(value) ? value : [value];
  return [...new Set(list.filter((s): s is string => typeof s === "string" && s.length > 0))];
}

/** Steps around a finding: [start - margin, end + margin], margin a quarter of its span, >= 10. */
export function findingRange(finding: FindingResponse, minMargin = 10): [number, number] | null {
  const start = finding.step_start ?? finding.step_end;
  const end = finding.step_end ?? finding.step_start;
  if (start === null || end === null) return null;
  const [lo, hi] = start <= end ? [start, end] : [end, start];
  const margin = Math.max(minMargin, Math.ceil((hi - lo) / 4));
  return [lo >= 0 ? Math.max(0, lo - margin) : lo - margin, hi + margin];
}

/** A series search (see matchesSearch) that matches exactly these names. */
export function exactSeriesSearch(names: readonly string[]): string {
  const escaped = names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\s/g, "\\s"));
  return `/^(?:${escaped.join("|")})$/`;
}

/**
 * Where a finding's evidence is shown, as a route patch (null: nothing to show).
 * Scalar series: the Charts view with only this run, only those series, zoomed to the steps.
 * Otherwise tensor series (grads/<param>…): the Layers view on the first one. Otherwise, a step
 * range alone: this run's charts zoomed there.
 */
export function evidenceRoute(finding: FindingResponse, runId: string, kinds: SeriesKinds): Partial<Route> | null {
  const named = evidenceSeries(finding);
  const scalars = named.filter((n) => kinds.scalar.has(n));
  const tensors = named.filter((n) => kinds.tensor.has(n));
  const range = findingRange(finding);
  if (scalars.length) return { view: "scalars", runs: [runId], series: exactSeriesSearch(scalars), range, x: "step" };
  if (tensors.length) return { view: "layers", run: runId, tensor: tensors[0]! };
  if (range) return { view: "scalars", runs: [runId], series: "", range, x: "step" };
  return null;
}

/** "2 errors, 1 warning" (zero counts left out; "no findings" when all are zero). */
export function findingCountsText(counts: FindingCountsResponse): string {
  const parts: string[] = [];
  for (const key of ["error", "warning", "info"] as const) {
    const n = counts[key];
    if (n > 0) parts.push(`${n} ${key === "info" ? "info" : n === 1 ? key : `${key}s`}`);
  }
  return parts.length ? parts.join(", ") : "no findings";
}

/** The worst severity present, or null. */
export function worstSeverity(counts: FindingCountsResponse): "error" | "warning" | "info" | null {
  return counts.error > 0 ? "error" : counts.warning > 0 ? "warning" : counts.info > 0 ? "info" : null;
}
