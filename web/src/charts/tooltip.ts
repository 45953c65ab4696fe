// The hover tooltip of a scalar chart: which runs to list (pure) and its DOM (text only).
import { runColor } from "../lib/colors";
import { formatNumber } from "../lib/format";
import { nonfiniteKind } from "../lib/nonfinite";
import type { PlotLine } from "../lib/plotData";
import { nearestIndex } from "../lib/series";

export const TOOLTIP_ROWS = 12; // runs listed at most

export interface TooltipRow {
  runId: string;
  name: string;
  value: number; // raw
  smooth: number | null;
  at: number; // x of the point shown
}

/**
 * Each run's point nearest to `x`, for runs that have data there (a shorter run lists nothing
 * past its end; `slack` is the grace at a line's ends), highest value first.
 */
export function tooltipRows(lines: readonly PlotLine[], x: number, slack: number, runName: (id: string) => string): TooltipRow[] {
  const rows: TooltipRow[] = [];
  for (const line of lines) {
    const n = line.x.length;
    if (n === 0 || x < line.x[0]! - slack || x > line.x[n - 1]! + slack) continue;
    const i = nearestIndex(line.x, x);
    rows.push({ runId: line.runId, name: runName(line.runId), value: line.raw[i]!, smooth: line.smooth ? line.smooth[i]! : null, at: line.x[i]! });
  }
  const key = (r: TooltipRow): number => {
    const v = r.smooth ?? r.value;
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY; // NaN/Inf on top: they matter most
  };
  return rows.sort((a, b) => key(b) - key(a) || a.name.localeCompare(b.name));
}

/** Fill the tooltip element; every string goes in as text (run names are user input). */
export function renderTooltip(tip: HTMLElement, heading: string, rows: readonly TooltipRow[]): void {
  tip.replaceChildren(element("div", "tt-head", heading));
  for (const row of rows.slice(0, TOOLTIP_ROWS)) tip.appendChild(rowElement(row));
  if (rows.length > TOOLTIP_ROWS) tip.appendChild(element("div", "tt-more", `+${rows.length - TOOLTIP_ROWS} more`));
  tip.hidden = rows.length === 0;
}

function rowElement(row: TooltipRow): HTMLElement {
  const line = element("div", "tt-row");
  const swatch = element("span", "swatch");
  swatch.style.backgroundColor = runColor(row.runId);
  const bad = nonfiniteKind(row.value) ? " tt-nonfinite" : "";
  const smoothed = row.smooth !== null && Number.isFinite(row.smooth);
  line.append(swatch, element("span", "tt-name", row.name), element("span", `tt-value${bad}`, formatNumber(smoothed ? row.smooth : row.value)));
  if (smoothed) {
    const raw = element("span", `tt-raw${bad}`, formatNumber(row.value));
    raw.title = "raw value";
    line.appendChild(raw);
  }
  return line;
}

function element(tag: string, className: string, text?: string): HTMLElement {
  const el = document.createElement(tag);
  el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}
