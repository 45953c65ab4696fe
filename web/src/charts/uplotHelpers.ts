// Small pieces shared by the uPlot charts.
import type uPlot from "uplot";
import { formatNumber } from "../lib/format";
import { axisStyle } from "./theme";

/** Axis tick labels through `format`; uPlot passes null for ticks it wants unlabeled (log minors). */
export function tickValues(format: (v: number) => string): uPlot.Axis.DynamicValues {
  return (_u, splits) => splits.map((s) => (s === null || s === undefined ? "" : format(s)));
}

export function numberAxis(size = 56): uPlot.Axis {
  return { ...axisStyle(), size, values: tickValues((v) => formatNumber(v, 3)) };
}
