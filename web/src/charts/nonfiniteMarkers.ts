// NaN and ±Inf points drawn as markers on a uPlot chart's edge, so they are never silently
// dropped: NaN a diamond and +Inf a triangle on the top edge, -Inf a triangle on the bottom.
import type uPlot from "uplot";
import { runColor } from "../lib/colors";
import { nonfiniteKind, type NonfiniteKind } from "../lib/nonfinite";
import type { PlotLine } from "../lib/plotData";

const MARKER_OUTLINE = "#c92a2a";

export function drawNonfiniteMarkers(u: uPlot, lines: readonly PlotLine[]): void {
  const ctx = u.ctx;
  const { left, top, width, height } = u.bbox;
  const r = 4 * devicePixelRatio;
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  ctx.strokeStyle = MARKER_OUTLINE;
  ctx.lineWidth = devicePixelRatio;
  for (const line of lines) {
    ctx.fillStyle = runColor(line.runId);
    for (let i = 0; i < line.raw.length; i++) {
      const kind = nonfiniteKind(line.raw[i]!);
      if (!kind) continue;
      const px = u.valToPos(line.x[i]!, "x", true);
      if (px < left || px > left + width) continue;
      const py = kind === "-inf" ? top + height - r - 1 : top + r + 1;
      marker(ctx, kind, px, py, r);
    }
  }
  ctx.restore();
}

function marker(ctx: CanvasRenderingContext2D, kind: NonfiniteKind, x: number, y: number, r: number): void {
  ctx.beginPath();
  if (kind === "nan") {
    ctx.moveTo(x, y - r);
    ctx.lineTo(x + r, y);
    ctx.lineTo(x, y + r);
    ctx.lineTo(x - r, y);
  } else {
    const dir = kind === "inf" ? -1 : 1;
    ctx.moveTo(x, y + dir * r);
    ctx.lineTo(x + r, y - dir * r);
    ctx.lineTo(x - r, y - dir * r);
  }
  ctx.closePath();
  ctx.fill();
  ctx.stroke();
}
