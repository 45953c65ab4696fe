// Scalar series grouped by their first path segment (`train/loss` -> `train`), as W&B and
// Lightning's "/" group separator do.

export const UNGROUPED = "charts";

export interface SeriesGroup {
  name: string;
  series: string[];
}

export function groupOf(name: string): string {
  const i = name.indexOf("/");
  return i > 0 ? name.slice(0, i) : UNGROUPED;
}

/** Groups shown first (training metrics) and last (what `run.watch` records per layer). */
const FIRST_GROUPS = ["train", "val", "valid", "validation", "eval", "test"];
const LAST_GROUPS = ["grad_norm", "updates", "activation_grads", "weights", "grads", "activations"];

function groupRank(name: string): number {
  if (name === UNGROUPED) return -1;
  const first = FIRST_GROUPS.indexOf(name);
  if (first >= 0) return first;
  const last = LAST_GROUPS.indexOf(name);
  return last >= 0 ? 1000 + last : 100;
}

/**
 * Groups: ungrouped charts, then training metrics (train, val, …), then the others by name,
 * then the per-layer series of `run.watch`; series sorted naturally inside each.
 */
export function groupSeries(names: Iterable<string>): SeriesGroup[] {
  const groups = new Map<string, string[]>();
  for (const name of names) {
    const g = groupOf(name);
    const list = groups.get(g);
    if (list) list.push(name);
    else groups.set(g, [name]);
  }
  const keys = [...groups.keys()].sort((a, b) => groupRank(a) - groupRank(b) || naturalCompare(a, b));
  return keys.map((name) => ({ name, series: groups.get(name)!.sort(naturalCompare) }));
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/** `layer2` before `layer10`. */
export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b);
}

/**
 * Does `name` match a search? Space-separated terms must all appear (case-insensitive);
 * a term may be a `/regex/`.
 */
export function matchesSearch(name: string, search: string): boolean {
  const terms = search.trim().split(/\s+/).filter(Boolean);
  const lower = name.toLowerCase();
  return terms.every((t) => {
    if (t.length > 2 && t.startsWith("/") && t.endsWith("/")) {
      try {
        return new RegExp(t.slice(1, -1), "i").test(name);
      } catch {
        return false;
      }
    }
    return lower.includes(t.toLowerCase());
  });
}
