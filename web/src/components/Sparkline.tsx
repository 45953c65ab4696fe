import { useEffect, useRef, useState } from "preact/hooks";
import { isAbort } from "../api/client";
import { drawSparkline } from "../charts/sparkline";
import { useVisible } from "../hooks/useVisible";

export interface SparkData {
  steps: number[];
  values: number[];
}

/** A sparkline whose data is fetched only once the cell scrolls into view. */
export function Sparkline({ load, color = "#4e79a7", logY = false, title }: {
  load: (signal: AbortSignal) => Promise<SparkData>;
  color?: string;
  logY?: boolean;
  title?: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const visible = useVisible(ref, "100px");
  const [data, setData] = useState<SparkData | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    if (!visible || data || failed) return undefined;
    const controller = new AbortController();
    load(controller.signal).then(setData, (e: unknown) => {
      if (!isAbort(e)) setFailed(true);
    });
    return () => controller.abort();
  }, [visible]);

  useEffect(() => {
    if (ref.current && data) drawSparkline(ref.current, data.steps, data.values, color, { width: 96, height: 24, logY });
  }, [data, color, logY]);

  return <canvas ref={ref} class={failed ? "sparkline sparkline-empty" : "sparkline"} title={title} aria-hidden="true" />;
}
