import { useEffect, useRef, useState } from "preact/hooks";
import { useApp } from "../appContext";
import { ScalarPlot, type ScalarPlotSettings, type ScalarPlotStatus } from "../charts/scalarPlot";
import { useVisible } from "../hooks/useVisible";
import { formatCompact, formatNumber } from "../lib/format";

/** One chart of one series name, all compared runs overlaid. Drawn only once on screen. */
export function ScalarChart({ name, runIds }: { name: string; runIds: string[] }) {
  const { client, live, route, runById, navigate } = useApp();
  const box = useRef<HTMLDivElement>(null);
  const plotEl = useRef<HTMLDivElement>(null);
  const plot = useRef<ScalarPlot | null>(null);
  const visible = useVisible(box);
  const [status, setStatus] = useState<ScalarPlotStatus | null>(null);

  // The run list refreshes with every live update; the chart reads names through a ref
  // instead of re-rendering for each refresh.
  const runs = useRef(runById);
  runs.current = runById;
  const hasRange = useRef(route.range !== null);
  hasRange.current = route.range !== null;
  const settings: ScalarPlotSettings = {
    runIds,
    smooth: route.smooth,
    xAxis: route.x,
    logY: route.logy,
    runStart: (id) => runs.current.get(id)?.created_at,
    runName: (id) => runs.current.get(id)?.name ?? id,
    range: route.range,
    // Resetting a chart's zoom drops the URL's range (it would come back on reload otherwise).
    onZoomReset: () => {
      if (hasRange.current) navigate({ range: null }, { replace: true });
    },
  };
  const settingsKey = `${runIds.join(",")}|${route.smooth}|${route.x}|${route.logy}|${route.range?.join(",") ?? ""}`;

  useEffect(() => {
    if (!visible || !plotEl.current) return;
    if (!plot.current) plot.current = new ScalarPlot(plotEl.current, client, name, settings, setStatus);
    // Back on screen: catch up on what live updates brought while it was away.
    else plot.current.live(new Map(runIds.map((id) => [id, null])));
  }, [visible]);

  useEffect(() => () => {
    plot.current?.destroy();
    plot.current = null;
  }, []);

  useEffect(() => {
    plot.current?.update(settings);
  }, [settingsKey]);

  useEffect(
    () =>
      live.subscribe((update) => {
        if (!plot.current || !visible) return;
        plot.current.live(new Map(update.runs.map((r) => [r.id, r.last_step])));
      }),
    [live, visible],
  );

  return (
    <div class="chart-card" ref={box} data-series={name}>
      <div class="chart-head">
        <span class="chart-title" title={name}>{name}</span>
        <span class="spacer" />
        {status?.zoom && (
          <button
            class="zoom-chip"
            title={`Zoomed to steps ${formatNumber(status.zoom[0])}–${formatNumber(status.zoom[1])}. Reset (or double-click the chart).`}
            onClick={() => plot.current?.resetZoom()}
          >
            {formatCompact(status.zoom[0])}–{formatCompact(status.zoom[1])} ✕
          </button>
        )}
        {status && status.total > status.points && (
          <span
            class="muted small nowrap"
            title={`${formatNumber(status.points)} of ${formatNumber(status.total)} points: the server keeps each bucket's min, max and last point, so spikes stay visible. Drag to zoom for detail.`}
          >
            {formatCompact(status.points)}/{formatCompact(status.total)} pts
          </span>
        )}
        {status?.loading && <span class="spinner" aria-label="loading" />}
      </div>
      <div class="chart-plot">
        <div ref={plotEl} />
        {!status && <div class="chart-placeholder" />}
        {status?.empty && <div class="chart-empty muted">no data for the selected runs</div>}
        {status?.error && <div class="chart-empty error-text">{status.error}</div>}
      </div>
    </div>
  );
}
