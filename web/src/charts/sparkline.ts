// A tiny line of a value over steps, on a canvas (no axes): for table cells.
import { setupCanvas } from "./theme";

export function drawSparkline(canvas: HTMLCanvasElement, steps: ArrayLike<number>, values: ArrayLike<number>, color: string, opts: { width: number; height: number; logY?: boolean }): void {
  const { width, height } = opts;
  const ctx = setupCanvas(canvas, width, height);
  ctx.clearRect(0, 0, width, height);
  const tf = (v: number): number => (opts.logY ? (v > 0 ? Math.log10(v) : Number.NaN) : v);
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = tf(values[i]!);
    if (!Number.isFinite(v)) continue;
    x0 = Math.min(x0, steps[i]!);
    x1 = Math.max(x1, steps[i]!);
    y0 = Math.min(y0, v);
    y1 = Math.max(y1, v);
  }
  if (!Number.isFinite(x0)) return;
  const pad = 2;
  const sx = (x: number): number => pad + (x1 > x0 ? ((x - x0) / (x1 - x0)) * (width - 2 * pad) : (width - 2 * pad) / 2);
  const sy = (y: number): number => height - pad - (y1 > y0 ? ((y - y0) / (y1 - y0)) * (height - 2 * pad) : (height - 2 * pad) / 2);
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.25;
  ctx.beginPath();
  let pen = false;
  let lastX = 0, lastY = 0;
  for (let i = 0; i < values.length; i++) {
    const v = tf(values[i]!);
    if (!Number.isFinite(v)) {
      pen = false;
      continue;
    }
    lastX = sx(steps[i]!);
    lastY = sy(v);
    if (pen) ctx.lineTo(lastX, lastY);
    else ctx.moveTo(lastX, lastY);
    pen = true;
  }
  ctx.stroke();
  ctx.fillStyle = color;
  ctx.beginPath();
  ctx.arc(lastX, lastY, 1.8, 0, Math.PI * 2);
  ctx.fill();
}
