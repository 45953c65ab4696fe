import { useEffect, useRef } from "preact/hooks";
import { runColor } from "../lib/colors";

/** The run's colour as a small square (colour set from JS: the CSP forbids style attributes). */
export function RunSwatch({ runId }: { runId: string }) {
  const ref = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.style.backgroundColor = runColor(runId);
  }, [runId]);
  return <span ref={ref} class="swatch" aria-hidden="true" />;
}
