import type { RunResponse } from "../api/types";

const LABELS: Record<string, string> = {
  running: "running",
  finished: "finished",
  crashed: "crashed",
  killed: "killed",
};

/** A live (pulsing) dot for running runs; a red cross for crashed ones. */
export function StatusDot({ run, withLabel = false }: { run: RunResponse; withLabel?: boolean }) {
  const status = run.stale ? "crashed" : run.status;
  const title = run.stale
    ? "crashed: no heartbeat for a while (the process died without finishing the run)"
    : run.exit_reason
      ? `${LABELS[status] ?? status}: ${run.exit_reason}`
      : (LABELS[status] ?? status);
  return (
    <span class={`status status-${status}`} title={title}>
      <span class="status-dot" aria-hidden="true" />
      {withLabel && <span class="status-label">{LABELS[status] ?? status}</span>}
    </span>
  );
}
