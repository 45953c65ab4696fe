// The whole view state lives in the URL hash, so any view can be bookmarked or shared:
//   #/scalars?runs=3f2a9c1d,8b1e0f22&smooth=0.6&x=step&logy=1&filter=lr%20%3C%200.01

export const VIEWS = ["runs", "scalars", "layers", "run"] as const;
export type View = (typeof VIEWS)[number];
export const X_AXES = ["step", "wall", "relative"] as const;
export type XAxis = (typeof X_AXES)[number];
export type HistMode = "ridgeline" | "overlay";

export interface Route {
  view: View;
  runs: string[]; // selected run ids (compare set)
  run: string | null; // the run of the Layers / Run views
  q: string; // run name search (sent as q=)
  filters: string[]; // config filters (sent as filter=)
  smooth: number; // EMA weight 0..0.99
  x: XAxis;
  logy: boolean;
  series: string; // series-name search on Scalars
  tensor: string | null; // tensor series on Layers
  hist: HistMode;
  sort: string; // runs table: "column" or "-column" (descending)
  range: [number, number] | null; // Scalars: step range every chart is zoomed to (inclusive)
  section: string; // Run view: the section to scroll to ("findings")
}

export const DEFAULT_ROUTE: Route = {
  view: "runs",
  runs: [],
  run: null,
  q: "",
  filters: [],
  smooth: 0.6,
  x: "step",
  logy: false,
  series: "",
  tensor: null,
  hist: "ridgeline",
  sort: "",
  range: null,
  section: "",
};

function oneOf<T extends string>(value: string | null, allowed: readonly T[], fallback: T): T {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#/, "");
  const [path = "", query = ""] = splitOnce(text, "?");
  const p = new URLSearchParams(query);
  const smooth = Number(p.get("smooth"));
  return {
    view: oneOf(path.replace(/^\//, "") || null, VIEWS, DEFAULT_ROUTE.view),
    runs: (p.get("runs") ?? "").split(",").filter(Boolean),
    run: p.get("run") || null,
    q: p.get("q") ?? "",
    filters: p.getAll("filter").filter(Boolean),
    smooth: p.has("smooth") && Number.isFinite(smooth) ? Math.min(Math.max(smooth, 0), 0.99) : DEFAULT_ROUTE.smooth,
    x: oneOf(p.get("x"), X_AXES, DEFAULT_ROUTE.x),
    logy: p.get("logy") === "1",
    series: p.get("series") ?? "",
    tensor: p.get("tensor") || null,
    hist: oneOf(p.get("hist"), ["ridgeline", "overlay"] as const, DEFAULT_ROUTE.hist),
    sort: p.get("sort") ?? "",
    range: parseRange(p.get("range")),
    section: p.get("section") ?? "",
  };
}

/** `range=START,END` (inclusive integer steps, START <= END), else null. */
function parseRange(value: string | null): [number, number] | null {
  const m = /^(-?\d+),(-?\d+)$/.exec(value ?? "");
  if (!m) return null;
  const start = Number(m[1]);
  const end = Number(m[2]);
  return Number.isSafeInteger(start) && Number.isSafeInteger(end) && start <= end ? [start, end] : null;
}

/** The hash for a route; defaults are left out so URLs stay short. */
export function formatRoute(route: Route): string {
  const p = new URLSearchParams();
  if (route.runs.length) p.set("runs", route.runs.join(","));
  if (route.run) p.set("run", route.run);
  if (route.q) p.set("q", route.q);
  for (const f of route.filters) p.append("filter", f);
  if (route.smooth !== DEFAULT_ROUTE.smooth) p.set("smooth", String(route.smooth));
  if (route.x !== DEFAULT_ROUTE.x) p.set("x", route.x);
  if (route.logy) p.set("logy", "1");
  if (route.series) p.set("series", route.series);
  if (route.tensor) p.set("tensor", route.tensor);
  if (route.hist !== DEFAULT_ROUTE.hist) p.set("hist", route.hist);
  if (route.sort) p.set("sort", route.sort);
  if (route.range) p.set("range", `${route.range[0]},${route.range[1]}`);
  if (route.section) p.set("section", route.section);
  const query = p.toString();
  return `#/${route.view}${query ? `?${query}` : ""}`;
}

function splitOnce(text: string, sep: string): [string, string] {
  const i = text.indexOf(sep);
  return i < 0 ? [text, ""] : [text.slice(0, i), text.slice(i + 1)];
}
