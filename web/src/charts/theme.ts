// Shared look of every chart (uPlot axes and the custom canvases).
import type uPlot from "uplot";

export const AXIS_FONT = "11px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
export const AXIS_COLOR = "#6b7280";
export const GRID_COLOR = "#eef0f4";
export const TEXT_COLOR = "#1f2937";

export function axisStyle(): uPlot.Axis {
  return {
    stroke: AXIS_COLOR,
    font: AXIS_FONT,
    grid: { stroke: GRID_COLOR, width: 1 },
    ticks: { stroke: GRID_COLOR, width: 1, size: 4 },
  };
}

/** A canvas sized for the screen's pixel ratio; returns its 2D context scaled to CSS pixels. */
export function setupCanvas(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext("2d")!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}
