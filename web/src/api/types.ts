// The JSON of docs/api.md, mirrored key for key (snake_case on purpose: these are wire types).

/** Indices (into the `values` array) of points that JSON could not carry as numbers. */
export interface NonfiniteResponse {
  nan: number[];
  inf: number[];
  "-inf": number[];
}

/** Aggregates that are non-finite arrive as these strings. */
export type WireNumber = number | "NaN" | "Infinity" | "-Infinity";

export type RunStatus = "running" | "finished" | "crashed" | "killed";

export interface LastValueResponse {
  step: number;
  value: WireNumber;
}

export interface RunResponse {
  id: string;
  name: string;
  project: string;
  status: RunStatus;
  stale: boolean;
  created_at: number;
  ended_at: number | null;
  heartbeat_at: number;
  duration: number;
  last_step: number | null;
  tags: string[];
  notes: string;
  exit_reason: string | null;
  config: Record<string, unknown>;
  last: Record<string, LastValueResponse>;
  findings: FindingCountsResponse;
}

/** A run's number of findings per severity (every key always present). */
export interface FindingCountsResponse {
  error: number;
  warning: number;
  info: number;
}

export interface RunDetailResponse extends RunResponse {
  system: Record<string, unknown>;
}

export interface RunsResponse {
  runs: RunResponse[];
}

export type SeriesKind = "scalar" | "tensor" | "text" | "image";

export interface SeriesInfoResponse {
  name: string;
  kind: SeriesKind;
  count: number;
  first_step: number | null;
  last_step: number | null;
  min: WireNumber | null;
  max: WireNumber | null;
  last: WireNumber | null;
}

export interface SeriesListResponse {
  series: SeriesInfoResponse[];
}

export interface ScalarSeriesResponse {
  run_id: string;
  name: string;
  downsampled: boolean;
  total: number;
  steps: number[];
  values: (number | null)[];
  wall_times: number[];
  nonfinite: NonfiniteResponse;
}

export interface ScalarsResponse {
  series: ScalarSeriesResponse[];
}

export interface TensorPointResponse {
  step: number;
  wall_time: number;
  count: number;
  nan_count: number;
  pos_inf_count: number;
  neg_inf_count: number;
  zero_count: number;
  min: WireNumber | null;
  max: WireNumber | null;
  mean: WireNumber | null;
  std: WireNumber | null;
  norm: WireNumber | null;
  bin_edges: WireNumber[];
  bin_counts: number[];
  extra: Record<string, unknown>;
}

export interface TensorsResponse {
  run_id: string;
  name: string;
  points: TensorPointResponse[];
}

export interface LayerResponse {
  name: string; // module path ("" is the root)
  type: string | null;
  params: string[];
  weight_norm: WireNumber | null;
  grad_norm: WireNumber | null;
  update_ratio: WireNumber | null;
  activation_mean: WireNumber | null;
  activation_std: WireNumber | null;
  dead_fraction: WireNumber | null;
  saturated_fraction: WireNumber | null;
  activation_grad_norm: WireNumber | null;
  nonfinite: number | null;
}

export interface LayersResponse {
  step: number | null;
  steps: number[];
  prefix: string; // "rank<r>/" under per-rank watching, else ""
  prefixes: string[];
  layers: LayerResponse[];
}

export interface ModelParamResponse {
  name: string;
  shape: number[];
  dtype: string;
  numel: number;
  trainable: boolean;
}

export interface ModelNodeResponse {
  path: string;
  type: string;
  param_count: number;
  params: ModelParamResponse[];
  children: ModelNodeResponse[];
  total_params?: number; // root only
  trainable_params?: number; // root only
}

export interface ModelResponse {
  model: ModelNodeResponse | null;
}

export interface TextPointResponse {
  step: number;
  wall_time: number;
  text: string;
}

export interface TextsResponse {
  points: TextPointResponse[];
}

export interface MediaItemResponse {
  step: number;
  wall_time: number;
  sha256: string;
  mime: string;
  width: number;
  height: number;
  size: number;
}

export interface MediaResponse {
  items: MediaItemResponse[];
}

export type Severity = "info" | "warning" | "error";

export interface FindingResponse {
  detector: string;
  category: string;
  severity: Severity | string;
  step_start: number | null;
  step_end: number | null;
  message: string;
  layer: string | null;
  evidence: Record<string, unknown>;
  suggestion: string;
}

export interface FindingsResponse {
  findings: FindingResponse[];
}

export interface HealthResponse {
  status: string;
  version: string;
}

export interface ErrorResponse {
  error: { type: string; message: string };
}

/** `event: update` payload of GET /api/v1/events. */
export interface UpdateEventResponse {
  runs: { id: string; status: RunStatus; last_step: number | null; heartbeat_at: number }[];
}
