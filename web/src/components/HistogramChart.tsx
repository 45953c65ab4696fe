import { useEffect, useRef, useState } from "preact/hooks";
import { drawHistograms, histogramLayout, stepAtY, type HistogramStep } from "../charts/histogram";
import { useWidth } from "../hooks/useWidth";
import { formatNumber } from "../lib/format";
import type { HistMode } from "../lib/route";

/** Histograms of one tensor over time; hover a curve to read its step. */
export function HistogramChart({ steps, mode, height = 320 }: { steps: HistogramStep[]; mode: HistMode; height?: number }) {
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const width = useWidth(wrap);
  const [hover, setHover] = useState<number | null>(null);
  const [valueAt, setValueAt] = useState<number | null>(null);

  useEffect(() => {
    if (canvas.current && width > 0) drawHistograms(canvas.current, steps, mode, width, height, hover);
  }, [steps, mode, width, height, hover]);

  const onMove = (e: MouseEvent): void => {
    if (!canvas.current || steps.length === 0) return;
    const rect = canvas.current.getBoundingClientRect();
    const L = histogramLayout(steps, width, height, mode);
    const x = e.clientX - rect.left;
    setValueAt(x >= L.left && x <= L.right ? L.x0 + ((x - L.left) / (L.right - L.left)) * (L.x1 - L.x0) : null);
    setHover(mode === "ridgeline" ? stepAtY(L, e.clientY - rect.top, steps.length) : null);
  };

  const hovered = hover !== null ? steps[hover] : undefined;
  return (
    <div class="hist-wrap" ref={wrap}>
      <canvas ref={canvas} class="hist-canvas" onMouseMove={onMove} onMouseLeave={() => {
          setHover(null);
          setValueAt(null);
        }} />
      <div class="hist-caption muted small">
        {hovered ? (
          <>
            step {formatNumber(hovered.step)} · {formatNumber(hovered.counts.reduce((a, b) => a + b, 0))} values in [
            {formatNumber(hovered.edges[0])}, {formatNumber(hovered.edges[hovered.edges.length - 1])}]
            {valueAt !== null && ` · x = ${formatNumber(valueAt, 3)}`}
          </>
        ) : valueAt !== null ? (
          `x = ${formatNumber(valueAt, 3)}`
        ) : (
          `${steps.length} steps · ${mode === "ridgeline" ? "newest in front" : "darker is newer"}`
        )}
      </div>
    </div>
  );
}
