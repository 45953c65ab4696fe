// Columns of the runs table: fixed ones, the last value of metrics, and every config key.
import type { RunResponse } from "../api/types";
import { flatten, unionKeys, type Flat } from "./flatten";
import { naturalCompare } from "./groups";
import { wireNumber } from "./nonfinite";

/** Metric columns shown at most (a run can log thousands of series). */
export const MAX_METRIC_COLUMNS = 12;
/** Config columns shown at most. */
export const MAX_CONFIG_COLUMNS = 60;

export interface RunRow {
  run: RunResponse;
  config: Flat;
}

export interface Columns {
  metrics: string[];
  config: string[];
  hiddenMetrics: number;
  hiddenConfig: number;
}

export function toRows(runs: readonly RunResponse[]): RunRow[] {
  return runs.map((run) => ({ run, config: flatten(run.config) }));
}

/** Metric names by how useful they are as a column: val/ first, then train/, then the rest. */
export function pickColumns(rows: readonly RunRow[]): Columns {
  const metricSet = new Set<string>();
  for (const { run } of rows) for (const k of Object.keys(run.last ?? {})) metricSet.add(k);
  const metrics = [...metricSet].sort((a, b) => rank(a) - rank(b) || naturalCompare(a, b));
  const config = unionKeys(rows.map((r) => r.config));
  return {
    metrics: metrics.slice(0, MAX_METRIC_COLUMNS),
    config: config.slice(0, MAX_CONFIG_COLUMNS),
    hiddenMetrics: Math.max(0, metrics.length - MAX_METRIC_COLUMNS),
    hiddenConfig: Math.max(0, config.length - MAX_CONFIG_COLUMNS),
  };
}

function rank(name: string): number {
  if (name.startsWith("val")) return 0;
  if (name.startsWith("train")) return 1;
  if (name.includes("/")) return 3;
  return 2;
}

/** The sortable value of a row under a column key (`name`, `m:<metric>`, `c:<config key>`, …). */
export function cellValue(row: RunRow, key: string): unknown {
  const run = row.run;
  if (key.startsWith("m:")) return wireNumber(run.last?.[key.slice(2)]?.value);
  if (key.startsWith("c:")) return row.config[key.slice(2)];
  switch (key) {
    case "name":
      return run.name;
    case "status":
      return run.stale ? "crashed" : run.status;
    case "created":
      return run.created_at;
    case "duration":
      return run.duration;
    case "steps":
      return run.last_step;
    case "tags":
      return run.tags.join(", ");
    default:
      return undefined;
  }
}
