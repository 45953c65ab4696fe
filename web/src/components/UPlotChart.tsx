import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import { useWidth } from "../hooks/useWidth";

/** A uPlot chart that follows its container's width; rebuilt when `options` or `data` change. */
export function UPlotChart({ options, data, height }: { options: Omit<uPlot.Options, "width" | "height">; data: uPlot.AlignedData; height: number }) {
  const wrap = useRef<HTMLDivElement>(null);
  const target = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const width = useWidth(wrap);

  useEffect(() => {
    if (!target.current || width === 0) return undefined;
    plot.current = new uPlot({ ...options, width, height }, data, target.current);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
  }, [options, data, height, width > 0]);

  useEffect(() => {
    if (width > 0) plot.current?.setSize({ width, height });
  }, [width, height]);

  return (
    <div class="uplot-wrap" ref={wrap}>
      <div ref={target} />
    </div>
  );
}
