import { useMemo } from "preact/hooks";
import type uPlot from "uplot";
import { numberAxis, tickValues } from "../charts/uplotHelpers";
import { axisStyle } from "../charts/theme";
import { BAND_PERCENTILES, distributionBands, type HistogramPoint } from "../lib/bands";
import { formatNumber } from "../lib/format";
import { UPlotChart } from "./UPlotChart";

const BAND_FILLS = ["rgba(59, 91, 219, 0.10)", "rgba(59, 91, 219, 0.16)", "rgba(59, 91, 219, 0.22)", "rgba(59, 91, 219, 0.30)"];

/** Percentile bands over steps (min–max, ±1.5σ, ±1σ, ±0.5σ) and the median, from histogram bins. */
export function DistributionChart({ points, height = 260 }: { points: HistogramPoint[]; height?: number }) {
  const { options, data } = useMemo(() => {
    const bands = distributionBands(points);
    const x = bands.map((b) => b.step);
    const ys = BAND_PERCENTILES.map((_, k) => bands.map((b) => b.percentiles[k] ?? null));
    const median = Math.floor(BAND_PERCENTILES.length / 2);
    const series: uPlot.Series[] = [
      {},
      ...BAND_PERCENTILES.map((p, k) => ({
        label: `p${p}`,
        stroke: k === median ? "#3b5bdb" : "rgba(59, 91, 219, 0.35)",
        width: k === median ? 1.8 : k === 0 || k === BAND_PERCENTILES.length - 1 ? 0.8 : 0,
        points: { show: false },
        value: (_u: uPlot, v: number | null) => formatNumber(v),
      })),
    ];
    // Bands between symmetric percentile pairs: (1, 9), (2, 8), (3, 7), (4, 6) in series indices.
    const bandsOpt: uPlot.Band[] = BAND_FILLS.map((fill, k) => ({ series: [BAND_PERCENTILES.length - k, k + 1] as [number, number], fill }));
    const options: Omit<uPlot.Options, "width" | "height"> = {
      series,
      bands: bandsOpt,
      legend: { show: false },
      scales: { x: { time: false } },
      axes: [{ ...axisStyle(), values: tickValues((v) => formatNumber(v, 3)) }, numberAxis()],
      cursor: { drag: { x: true, y: false } },
    };
    return { options, data: [x, ...ys] as uPlot.AlignedData };
  }, [points]);
  return <UPlotChart options={options} data={data} height={height} />;
}
