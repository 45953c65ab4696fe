import { useMemo } from "preact/hooks";
import type uPlot from "uplot";
import { stepColor } from "../charts/histogram";
import { numberAxis } from "../charts/uplotHelpers";
import { axisStyle } from "../charts/theme";
import { formatNumber } from "../lib/format";
import { UPlotChart } from "./UPlotChart";
import type { LayersResponse } from "../api/types";
import { wireNumber } from "../lib/nonfinite";

/** Gradient norm by layer depth (input → output), one line per step: vanishing/exploding at a glance. */
export function GradientFlowChart({ tables, height = 260 }: { tables: LayersResponse[]; height?: number }) {
  const { options, data, layers } = useMemo(() => {
    // Layers with a gradient (parameter-free ones such as ReLU have none), in depth order.
    const withGrad = new Set(tables.flatMap((t) => t.layers.filter((l) => wireNumber(l.grad_norm) !== null).map((l) => l.name)));
    const latest = tables[tables.length - 1]?.layers ?? [];
    const layers = latest.filter((l) => withGrad.has(l.name)).map((l) => l.name);
    const types = new Map(latest.map((l) => [l.name, l.type]));
    const x = layers.map((_, i) => i);
    const ys = tables.map((t) => {
      const byName = new Map(t.layers.map((l) => [l.name, wireNumber(l.grad_norm)]));
      return layers.map((name) => {
        const v = byName.get(name);
        return v !== undefined && v !== null && Number.isFinite(v) && v > 0 ? v : null;
      });
    });
    const series: uPlot.Series[] = [
      {},
      ...tables.map((t, i) => ({
        label: `step ${formatNumber(t.step)}`,
        stroke: stepColor(i, tables.length),
        width: i === tables.length - 1 ? 2 : 1.3,
        spanGaps: true,
        points: { size: 5 },
      })),
    ];
    const options: Omit<uPlot.Options, "width" | "height"> = {
      series,
      legend: { show: true, live: false },
      scales: { x: { time: false }, y: { distr: 3, log: 10 } },
      axes: [
        { ...axisStyle(), size: 48, splits: () => x, values: (_u, s) => s.map((v) => (Number.isInteger(v) ? label(layers[v] ?? "", types.get(layers[v] ?? "") ?? undefined) : "")) },
        numberAxis(),
      ],
      cursor: { drag: { x: false, y: false } },
    };
    return { options, data: [x, ...ys] as uPlot.AlignedData, layers };
  }, [tables]);
  if (layers.length === 0) return <div class="empty small">No gradient norms recorded (use <code>run.watch(model)</code>).</div>;
  return <UPlotChart options={options} data={data} height={height} />;
}

function label(name: string, type: string | undefined): string {
  const text = `${name || "(root)"}${type ? ` ${type}` : ""}`;
  return text.length > 18 ? `…${text.slice(-17)}` : text;
}
