// A read-only window on what each chart holds, for the browser tests and for bug reports:
// `window.__deepscope.chart("train/loss")` in the console.

type Snapshot = () => object;

const charts = new Map<string, Snapshot>();

declare global {
  interface Window {
    __deepscope?: { chart(name: string): object | null; charts(): string[] };
  }
}

if (typeof window !== "undefined") {
  window.__deepscope = {
    chart: (name) => charts.get(name)?.() ?? null,
    charts: () => [...charts.keys()],
  };
}

export function registerChart(name: string, snapshot: Snapshot): void {
  charts.set(name, snapshot);
}

/** Forget a chart, unless another one has taken its name since. */
export function unregisterChart(name: string, snapshot: Snapshot): void {
  if (charts.get(name) === snapshot) charts.delete(name);
}
