import { useEffect, useMemo, useState } from "preact/hooks";
import { useApp } from "../appContext";
import type { LayerResponse, LayersResponse } from "../api/types";
import { GradientFlowChart } from "../components/GradientFlowChart";
import { ModelTree } from "../components/ModelTree";
import { RunPicker } from "../components/RunPicker";
import { Sparkline } from "../components/Sparkline";
import { TensorPanel } from "../components/TensorPanel";
import { useAsync } from "../hooks/useAsync";
import { formatNumber } from "../lib/format";
import { wireNumber } from "../lib/nonfinite";
import { nextSort, sortRows } from "../lib/sort";
import { pickEvenly } from "../lib/steps";

const FLOW_STEPS = 5; // lines on the gradient-flow chart

interface Column {
  key: keyof LayerResponse;
  label: string;
  title: string;
  warn?: (v: number) => boolean;
}

const COLUMNS: Column[] = [
  { key: "weight_norm", label: "Weight norm", title: "L2 norm of the layer's parameters" },
  { key: "grad_norm", label: "Grad norm", title: "L2 norm of the gradient", warn: (v) => v < 1e-7 || v > 1e3 },
  { key: "update_ratio", label: "Update ratio", title: "||ΔW|| / ||W|| per step (healthy around 1e-3)", warn: (v) => v > 1e-1 || v < 1e-6 },
  { key: "activation_grad_norm", label: "Act. grad", title: "norm of the gradient of the layer's output", warn: (v) => v < 1e-7 },
  { key: "dead_fraction", label: "Dead", title: "fraction of units that never activate", warn: (v) => v > 0.5 },
  { key: "saturated_fraction", label: "Saturated", title: "fraction of saturated activations", warn: (v) => v > 0.5 },
  { key: "nonfinite", label: "NaN/Inf", title: "non-finite values in weights or gradients", warn: (v) => v > 0 },
];

/** Per-layer health of one run: table with sparklines, gradient flow, histograms and distributions. */
export function LayersView() {
  const { client, focusId, route, navigate } = useApp();
  const [step, setStep] = useState<number | null>(null);
  const [sort, setSort] = useState("");
  const [prefix, setPrefix] = useState("");
  const table = useAsync((signal) => (focusId ? client.readLayers(focusId, step, prefix, signal) : Promise.resolve(null)), [client, focusId, step, prefix]);
  const prefixes = table.data?.prefixes ?? [];
  useEffect(() => {
    setStep(null);
    setPrefix("");
  }, [focusId]);
  const steps = table.data?.steps ?? [];
  const flowSteps = useMemo(() => pickEvenly(steps, FLOW_STEPS), [steps.join(",")]);
  const flow = useAsync(
    async (signal) => (focusId ? Promise.all(flowSteps.map((s) => client.readLayers(focusId, s, prefix, signal))) : ([] as LayersResponse[])),
    [client, focusId, flowSteps.join(","), prefix],
  );
  const model = useAsync((signal) => (focusId ? client.readModel(focusId, signal) : Promise.resolve(null)), [client, focusId]);
  const layers = useMemo(
    () => sortRows(table.data?.layers ?? [], sort, (row, key) => (key === "name" || key === "type" ? row[key] : wireNumber(row[key as keyof LayerResponse] as never))),
    [table.data, sort],
  );

  if (!focusId) return <section class="view"><div class="empty">No runs yet.</div></section>;

  return (
    <section class="view">
      <header class="view-header">
        <h1>Layers</h1>
        <RunPicker />
        {prefixes.length > 1 && (
          <label class="control">
            Rank
            <select class="select" value={prefix} onChange={(e) => setPrefix((e.target as HTMLSelectElement).value)}>
              {prefixes.map((p) => (
                <option key={p} value={p}>{p || "(unprefixed)"}</option>
              ))}
            </select>
          </label>
        )}
        <div class="spacer" />
        {steps.length > 1 && (
          <label class="control">
            Step
            <input
              type="range"
              min={0}
              max={steps.length - 1}
              value={step === null ? steps.length - 1 : Math.max(steps.indexOf(step), 0)}
              onInput={(e) => setStep(steps[Number((e.target as HTMLInputElement).value)] ?? null)}
            />
            <span class="num control-value">{formatNumber(table.data?.step ?? null)}</span>
          </label>
        )}
      </header>
      {table.error && <div class="banner banner-error">{table.error.message}</div>}
      <div class="card">
        <div class="card-title">Per-layer statistics {table.data?.step !== null && table.data?.step !== undefined && <span class="muted">at step {formatNumber(table.data.step)}</span>}</div>
        {layers.length === 0 && !table.loading ? (
          <div class="empty small">
            This run has no per-layer data. Record it with <code>run.watch(model)</code>; tensor series logged with <code>run.log_histogram</code> show below.
          </div>
        ) : (
          <div class="table-wrap">
            <table class="table layers-table">
              <thead>
                <tr>
                  <SortHeader label="Layer" k="name" sort={sort} setSort={setSort} />
                  <SortHeader label="Type" k="type" sort={sort} setSort={setSort} />
                  {COLUMNS.map((c) => (
                    <SortHeader key={c.key} label={c.label} title={c.title} k={c.key} sort={sort} setSort={setSort} />
                  ))}
                  <th title="grad norm over the run">Grad norm over time</th>
                  <th title="update ratio over the run">Update ratio over time</th>
                </tr>
              </thead>
              <tbody>
                {layers.map((layer) => (
                  <LayerRow key={layer.name} layer={layer} runId={focusId} highlighted={tensorOfLayer(route.tensor, layer)} onPick={(tensor) => navigate({ tensor }, { replace: true })} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
      {flowSteps.length > 0 && (
        <div class="card">
          <div class="card-title">Gradient flow <span class="muted">grad norm by layer depth, one line per step (log scale)</span></div>
          {flow.data && <GradientFlowChart tables={flow.data} />}
        </div>
      )}
      <TensorPanel runId={focusId} tensor={route.tensor} />
      {model.data?.model && (
        <div class="card">
          <div class="card-title">Model</div>
          <ModelTree root={model.data.model} />
        </div>
      )}
    </section>
  );
}

function SortHeader({ label, k, sort, setSort, title }: { label: string; k: string; sort: string; setSort: (s: string) => void; title?: string }) {
  const state = sort === k ? "asc" : sort === `-${k}` ? "desc" : "";
  return (
    <th class={`sortable ${state}`} title={title} onClick={() => setSort(nextSort(sort, k))}>
      {label}
      <span class="sort-arrow" aria-hidden="true">{state === "asc" ? "▲" : state === "desc" ? "▼" : ""}</span>
    </th>
  );
}

/** True when the tensor series (weights/<param>, grads/<param>, activations/<layer>) is this layer's. */
function tensorOfLayer(tensor: string | null, layer: LayerResponse): boolean {
  if (!tensor) return false;
  const slash = tensor.indexOf("/");
  const rest = slash < 0 ? tensor : tensor.slice(slash + 1);
  return layer.params.includes(rest) || (tensor.startsWith("activations/") && rest === layer.name);
}

function LayerRow({ layer, runId, highlighted, onPick }: { layer: LayerResponse; runId: string; highlighted: boolean; onPick: (tensor: string) => void }) {
  const { client } = useApp();
  const param = layer.params.find((p) => p.endsWith("weight")) ?? layer.params[0];
  return (
    <tr class={highlighted ? "highlighted" : ""} data-layer={layer.name}>
      <td>
        {param ? (
          <button class="link-button mono" title="show this layer's weight histograms" onClick={() => onPick(`weights/${param}`)}>
            {layer.name || "(root)"}
          </button>
        ) : (
          <span class="mono">{layer.name || "(root)"}</span>
        )}
      </td>
      <td class="muted">{layer.type ?? ""}</td>
      {COLUMNS.map((c) => {
        const v = c.key === "nonfinite" ? layer.nonfinite : wireNumber(layer[c.key] as never);
        const bad = v !== null && (!Number.isFinite(v) || (c.warn?.(v) ?? false));
        return (
          <td key={c.key} class={bad ? "num cell-warn" : "num"}>
            {formatNumber(v)}
          </td>
        );
      })}
      <td>
        {param && (
          <Sparkline
            title={`grads/${param}`}
            logY
            load={async (signal) => {
              const r = await client.readTensors(runId, `grads/${param}`, { max_points: 60 }, signal);
              return { steps: r.points.map((p) => p.step), values: r.points.map((p) => wireNumber(p.norm) ?? Number.NaN) };
            }}
          />
        )}
      </td>
      <td>
        {param && (
          <Sparkline
            title={`updates/${param}`}
            color="#59a14f"
            logY
            load={async (signal) => {
              const r = await client.readScalars(runId, `updates/${param}`, { max_points: 90 }, signal);
              return { steps: r.steps, values: r.values.map((v) => v ?? Number.NaN) };
            }}
          />
        )}
      </td>
    </tr>
  );
}
