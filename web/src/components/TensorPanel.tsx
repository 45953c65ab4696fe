import { useMemo, useState } from "preact/hooks";
import { useApp } from "../appContext";
import { useAsync } from "../hooks/useAsync";
import { matchesSearch, naturalCompare } from "../lib/groups";
import { formatNumber } from "../lib/format";
import { wireNumber } from "../lib/nonfinite";
import type { HistMode } from "../lib/route";
import { pickEvenly } from "../lib/steps";
import { DistributionChart } from "./DistributionChart";
import { HistogramChart } from "./HistogramChart";

const LIST_LIMIT = 300; // tensor names listed at once (search narrows the rest)
const DIST_POINTS = 200; // steps fetched for the distribution chart
const RIDGE_STEPS = 36; // steps drawn as histograms

/** Pick a tensor series of the run; see its histograms over time and its percentile bands. */
export function TensorPanel({ runId, tensor }: { runId: string; tensor: string | null }) {
  const { client, route, navigate } = useApp();
  const [search, setSearch] = useState("");
  const list = useAsync((signal) => client.listSeries(runId, "tensor", signal), [client, runId]);
  const names = useMemo(() => (list.data?.series ?? []).map((s) => s.name).sort(naturalCompare), [list.data]);
  const selected = tensor && names.includes(tensor) ? tensor : (names[0] ?? null);
  const matching = useMemo(() => names.filter((n) => matchesSearch(n, search)), [names, search]);
  const detail = useAsync(
    (signal) => (selected ? client.readTensors(runId, selected, { max_points: DIST_POINTS }, signal) : Promise.resolve(null)),
    [client, runId, selected],
  );
  const points = detail.data?.points ?? [];
  const ridge = useMemo(
    () => pickEvenly(points, RIDGE_STEPS).map((p) => ({ step: p.step, edges: p.bin_edges.map((e) => wireNumber(e) ?? Number.NaN), counts: p.bin_counts })),
    [points],
  );
  const histograms = useMemo(() => points.map((p) => ({ step: p.step, bin_edges: p.bin_edges.map((e) => wireNumber(e) ?? Number.NaN), bin_counts: p.bin_counts })), [points]);
  const last = points[points.length - 1];
  const setMode = (hist: HistMode): void => navigate({ hist }, { replace: true });

  if (list.data && names.length === 0) {
    return (
      <div class="card">
        <div class="card-title">Histograms</div>
        <div class="empty small">No tensor series in this run. Log some with <code>run.log_histogram("weights/fc1", tensor, step=…)</code> or <code>run.watch(model)</code>.</div>
      </div>
    );
  }

  return (
    <div class="card tensor-panel">
      <div class="tensor-layout">
        <div class="tensor-list">
          <input class="input input-small" type="search" placeholder={`Search ${names.length} tensors`} value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
          <ul>
            {matching.slice(0, LIST_LIMIT).map((name) => (
              <li key={name}>
                <button class={name === selected ? "tensor-item active" : "tensor-item"} title={name} onClick={() => navigate({ tensor: name }, { replace: true })}>
                  {name}
                </button>
              </li>
            ))}
            {matching.length > LIST_LIMIT && <li class="muted small">…{matching.length - LIST_LIMIT} more: refine the search</li>}
          </ul>
        </div>
        <div class="tensor-charts">
          <div class="card-title">
            <span class="mono">{selected}</span>
            {last && (
              <span class="muted small">
                step {formatNumber(last.step)} · mean {formatNumber(wireNumber(last.mean))} · std {formatNumber(wireNumber(last.std))} · {formatNumber(last.count)} values
                {last.nan_count + last.pos_inf_count + last.neg_inf_count > 0 && <span class="error-text"> · {last.nan_count} NaN, {last.pos_inf_count + last.neg_inf_count} Inf</span>}
              </span>
            )}
            <span class="spacer" />
            <div class="segmented" role="group" aria-label="histogram mode">
              <button class={route.hist === "ridgeline" ? "active" : ""} onClick={() => setMode("ridgeline")}>Ridgeline</button>
              <button class={route.hist === "overlay" ? "active" : ""} onClick={() => setMode("overlay")}>Overlay</button>
            </div>
          </div>
          {detail.error && <div class="banner banner-error">{detail.error.message}</div>}
          <div class="subtitle">Histograms over time</div>
          <HistogramChart steps={ridge} mode={route.hist} />
          <div class="subtitle">Distribution <span class="muted small">median, ±0.5σ, ±1σ, ±1.5σ percentile bands and min–max</span></div>
          <DistributionChart points={histograms} />
        </div>
      </div>
    </div>
  );
}
