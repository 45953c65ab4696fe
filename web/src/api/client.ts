// The only place that calls fetch() or opens an EventSource. Every request carries the token.
import type {
  ErrorResponse,
  FindingsResponse,
  HealthResponse,
  LayersResponse,
  MediaResponse,
  ModelResponse,
  RunDetailResponse,
  RunsResponse,
  ScalarSeriesResponse,
  ScalarsResponse,
  SeriesKind,
  SeriesListResponse,
  TensorsResponse,
  TextsResponse,
} from "./types";

const API = "api/v1";

/** A non-2xx answer, carrying the server's error type and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface StepRange {
  start?: number | null;
  end?: number | null;
  max_points?: number | null;
}

export interface RunsQuery {
  project?: string;
  q?: string;
  tags?: readonly string[];
  status?: string;
  filters?: readonly string[];
  limit?: number;
}

type Params = [string, string | number | null | undefined][];

export function buildQuery(params: Params): string {
  const search = new URLSearchParams();
  for (const [key, value] of params) {
    if (value !== null && value !== undefined && value !== "") search.append(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

function rangeParams(range: StepRange): Params {
  return [
    ["start", range.start],
    ["end", range.end],
    ["max_points", range.max_points],
  ];
}

const enc = encodeURIComponent;

export class ApiClient {
  /**
   * @param base URL prefix of the server ("" or "./" for the page's own origin).
   * @param token bearer token sent on every request, if the server was started with one.
   */
  constructor(
    private readonly base: string = "",
    private readonly token: string | null = null,
  ) {}

  listRuns(query: RunsQuery = {}, signal?: AbortSignal): Promise<RunsResponse> {
    const params: Params = [
      ["project", query.project],
      ["q", query.q],
      ["status", query.status],
      ["limit", query.limit],
      ...(query.tags ?? []).map((t): [string, string] => ["tag", t]),
      ...(query.filters ?? []).map((f): [string, string] => ["filter", f]),
    ];
    return this.getJson(`${API}/runs${buildQuery(params)}`, signal);
  }

  getRun(runId: string, signal?: AbortSignal): Promise<RunDetailResponse> {
    return this.getJson(`${API}/runs/${enc(runId)}`, signal);
  }

  listSeries(runId: string, kind?: SeriesKind, signal?: AbortSignal): Promise<SeriesListResponse> {
    return this.getJson(`${API}/runs/${enc(runId)}/series${buildQuery([["kind", kind]])}`, signal);
  }

  readScalars(runId: string, name: string, range: StepRange = {}, signal?: AbortSignal): Promise<ScalarSeriesResponse> {
    const q = buildQuery([["name", name], ...rangeParams(range)]);
    return this.getJson(`${API}/runs/${enc(runId)}/scalars${q}`, signal);
  }

  /** One request per chart: every (run, name) pair that exists. */
  readScalarsMulti(
    runIds: readonly string[],
    names: readonly string[],
    range: StepRange = {},
    signal?: AbortSignal,
  ): Promise<ScalarsResponse> {
    const q = buildQuery([
      ...runIds.map((r): [string, string] => ["run", r]),
      ...names.map((n): [string, string] => ["name", n]),
      ...rangeParams(range),
    ]);
    return this.getJson(`${API}/scalars${q}`, signal);
  }

  readTensors(runId: string, name: string, range: StepRange = {}, signal?: AbortSignal): Promise<TensorsResponse> {
    const q = buildQuery([["name", name], ...rangeParams(range)]);
    return this.getJson(`${API}/runs/${enc(runId)}/tensors${q}`, signal);
  }

  readLayers(runId: string, step?: number | null, prefix?: string, signal?: AbortSignal): Promise<LayersResponse> {
    return this.getJson(`${API}/runs/${enc(runId)}/layers${buildQuery([["step", step], ["prefix", prefix]])}`, signal);
  }

  readModel(runId: string, signal?: AbortSignal): Promise<ModelResponse> {
    return this.getJson(`${API}/runs/${enc(runId)}/model`, signal);
  }

  readTexts(runId: string, name: string, range: StepRange = {}, signal?: AbortSignal): Promise<TextsResponse> {
    const q = buildQuery([["name", name], ["start", range.start], ["end", range.end]]);
    return this.getJson(`${API}/runs/${enc(runId)}/texts${q}`, signal);
  }

  readMedia(runId: string, name: string, range: StepRange = {}, signal?: AbortSignal): Promise<MediaResponse> {
    const q = buildQuery([["name", name], ["start", range.start], ["end", range.end]]);
    return this.getJson(`${API}/runs/${enc(runId)}/media${q}`, signal);
  }

  /** Media bytes as a Blob (shown through an object URL, so the token never sits in an img src). */
  async readMediaBlob(sha256: string, signal?: AbortSignal): Promise<Blob> {
    const response = await this.request(`${API}/media/${enc(sha256)}`, signal);
    return response.blob();
  }

  listFindings(runId: string, signal?: AbortSignal): Promise<FindingsResponse> {
    return this.getJson(`${API}/runs/${enc(runId)}/findings`, signal);
  }

  health(signal?: AbortSignal): Promise<HealthResponse> {
    return this.getJson(`${API}/health`, signal);
  }

  /** Server-Sent Events stream; EventSource cannot send headers, so the token goes in the URL. */
  openEvents(): EventSource {
    return new EventSource(`${this.base}${API}/events${buildQuery([["token", this.token]])}`);
  }

  private async getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
    const response = await this.request(path, signal);
    return (await response.json()) as T;
  }

  private async request(path: string, signal?: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (this.token) headers["Authorization"] = `Bearer ${this.token}`;
    const response = await fetch(`${this.base}${path}`, { headers, signal, credentials: "same-origin" });
    if (!response.ok) throw await toApiError(response);
    return response;
  }
}

async function toApiError(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as ErrorResponse;
    return new ApiError(response.status, body.error.type, body.error.message);
  } catch {
    return new ApiError(response.status, "HttpError", `HTTP ${response.status} ${response.statusText}`);
  }
}

/** True for the rejection of an aborted request (not worth showing to anyone). */
export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}
