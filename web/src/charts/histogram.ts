// Histograms over time on a canvas: "ridgeline" (one offset curve per step, older behind, as
// TensorBoard's offset mode) and "overlay" (all steps on one baseline, coloured by step).
import { normalizedDensity } from "../lib/bands";
import { formatNumber } from "../lib/format";
import type { HistMode } from "../lib/route";
import { AXIS_COLOR, AXIS_FONT, GRID_COLOR, setupCanvas } from "./theme";

export interface HistogramStep {
  step: number;
  edges: number[];
  counts: number[];
}

export interface HistogramLayout {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
  x0: number;
  x1: number;
  rowGap: number; // ridgeline: vertical offset between consecutive steps
  peak: number; // ridgeline: height of a curve at density 1
}

const MARGIN = { left: 12, right: 64, top: 12, bottom: 26 };

export function histogramLayout(steps: readonly HistogramStep[], width: number, height: number, mode: HistMode): HistogramLayout {
  let x0 = Infinity;
  let x1 = -Infinity;
  for (const s of steps) {
    if (s.edges.length < 2) continue;
    x0 = Math.min(x0, s.edges[0]!);
    x1 = Math.max(x1, s.edges[s.edges.length - 1]!);
  }
  if (!Number.isFinite(x0)) [x0, x1] = [0, 1];
  if (x0 === x1) [x0, x1] = [x0 - 0.5, x1 + 0.5];
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const n = Math.max(steps.length, 1);
  // Ridgeline: curves overlap their neighbours by ~3 rows, like a mountain range.
  const rowGap = mode === "ridgeline" && n > 1 ? plotH / (n - 1 + 3) : 0;
  const peak = mode === "ridgeline" ? Math.min(plotH, rowGap * 3 || plotH) : plotH;
  return { width, height, left: MARGIN.left, right: width - MARGIN.right, top: MARGIN.top, bottom: height - MARGIN.bottom, x0, x1, rowGap, peak };
}

/** Colour of the i-th of n steps: light (old) to dark (new). */
export function stepColor(i: number, n: number, alpha = 1): string {
  const t = n <= 1 ? 1 : i / (n - 1);
  const light = 78 - 45 * t;
  return `hsla(${232 - 20 * t}, ${55 + 15 * t}%, ${light}%, ${alpha})`;
}

export function drawHistograms(canvas: HTMLCanvasElement, steps: readonly HistogramStep[], mode: HistMode, width: number, height: number, highlight: number | null): HistogramLayout {
  const ctx = setupCanvas(canvas, width, height);
  const L = histogramLayout(steps, width, height, mode);
  ctx.clearRect(0, 0, width, height);
  drawXAxis(ctx, L);
  const sx = (v: number): number => L.left + ((v - L.x0) / (L.x1 - L.x0)) * (L.right - L.left);
  const n = steps.length;
  steps.forEach((s, i) => {
    if (s.edges.length < 2) return;
    const dens = normalizedDensity(s.edges, s.counts);
    const base = mode === "ridgeline" ? L.top + L.peak + i * L.rowGap : L.bottom;
    const path = new Path2D();
    path.moveTo(sx(s.edges[0]!), base);
    dens.forEach((d, b) => {
      const xm = sx((s.edges[b]! + s.edges[b + 1]!) / 2);
      path.lineTo(xm, base - d * L.peak);
    });
    path.lineTo(sx(s.edges[s.edges.length - 1]!), base);
    const strong = highlight === i;
    if (mode === "ridgeline") {
      ctx.fillStyle = strong ? "hsla(28, 90%, 88%, 0.95)" : "rgba(255,255,255,0.92)";
      ctx.fill(path);
      ctx.fillStyle = stepColor(i, n, 0.18);
      ctx.fill(path);
    }
    ctx.strokeStyle = strong ? "#e8590c" : stepColor(i, n, mode === "overlay" ? 0.75 : 1);
    ctx.lineWidth = strong ? 2 : 1.1;
    ctx.stroke(path);
    if (mode === "ridgeline" && (i % Math.max(1, Math.ceil(n / 8)) === 0 || i === n - 1 || strong)) {
      ctx.fillStyle = strong ? "#e8590c" : AXIS_COLOR;
      ctx.font = AXIS_FONT;
      ctx.textAlign = "left";
      ctx.textBaseline = "middle";
      ctx.fillText(formatNumber(s.step), L.right + 6, base);
    }
  });
  if (mode === "overlay" && highlight !== null && steps[highlight]) {
    ctx.fillStyle = "#e8590c";
    ctx.font = AXIS_FONT;
    ctx.textAlign = "right";
    ctx.fillText(`step ${formatNumber(steps[highlight].step)}`, L.right, L.top + 8);
  }
  return L;
}

function drawXAxis(ctx: CanvasRenderingContext2D, L: HistogramLayout): void {
  ctx.strokeStyle = GRID_COLOR;
  ctx.fillStyle = AXIS_COLOR;
  ctx.font = AXIS_FONT;
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  const ticks = niceTicks(L.x0, L.x1, Math.max(2, Math.floor((L.right - L.left) / 90)));
  for (const t of ticks) {
    const x = L.left + ((t - L.x0) / (L.x1 - L.x0)) * (L.right - L.left);
    ctx.beginPath();
    ctx.moveTo(x, L.top);
    ctx.lineTo(x, L.bottom);
    ctx.stroke();
    ctx.fillText(formatNumber(t, 3), x, L.bottom + 6);
  }
}

/** Round tick values covering [lo, hi] (1-2-5 steps). */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / Math.max(count, 1);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : Number(t.toPrecision(12)));
  return out;
}

/** Index of the step whose curve is nearest to canvas y (ridgeline) or null outside the plot. */
export function stepAtY(L: HistogramLayout, y: number, n: number): number | null {
  if (n === 0 || y < L.top || y > L.bottom) return null;
  if (L.rowGap === 0) return null;
  const i = Math.round((y - L.top - L.peak) / L.rowGap);
  return Math.min(Math.max(i, 0), n - 1);
}
