import { describe, expect, it } from "vitest";
import type { FindingResponse } from "../api/types";
import { evidenceRoute, evidenceSeries, exactSeriesSearch, findingCountsText, findingRange, worstSeverity } from "./findings";
import { matchesSearch } from "./groups";
import { formatRoute, parseRoute } from "./route";

function finding(extra: Partial<FindingResponse>): FindingResponse {
  return {
    detector: "d", category: "c", severity: "warning", step_start: 100, step_end: 140, message: "m",
    layer: null, evidence: {}, suggestion: "", ...extra,
  };
}

const kinds = { scalar: new Set(["train/loss", "val/loss", "lr"]), tensor: new Set(["grads/0.weight", "weights/0.weight"]) };

describe("finding evidence links", () => {
  it("reads evidence.series as a list or a single name", () => {
    expect(evidenceSeries(finding({ evidence: { series: ["a", "b", "a", 3] } }))).toEqual(["a", "b"]);
    expect(evidenceSeries(finding({ evidence: { series: "a" } }))).toEqual(["a"]);
    expect(evidenceSeries(finding({ evidence: { value: 1 } }))).toEqual([]);
  });

  it("pads the step range by a quarter of its span, at least 10, not below 0", () => {
    expect(findingRange(finding({}))).toEqual([90, 150]);
    expect(findingRange(finding({ step_start: 0, step_end: 1000 }))).toEqual([0, 1250]);
    expect(findingRange(finding({ step_start: 17, step_end: null }))).toEqual([7, 27]);
    expect(findingRange(finding({ step_start: -3, step_end: -3 }))).toEqual([-13, 7]);
    expect(findingRange(finding({ step_start: null, step_end: null }))).toBeNull();
  });

  it("matches exactly the evidence series", () => {
    const search = exactSeriesSearch(["train/loss", "grads/0.weight"]);
    expect(matchesSearch("train/loss", search)).toBe(true);
    expect(matchesSearch("grads/0.weight", search)).toBe(true);
    expect(matchesSearch("train/loss_ema", search)).toBe(false);
    expect(matchesSearch("grads/0xweight", search)).toBe(false);
    expect(matchesSearch("my train/loss", search)).toBe(false);
    expect(matchesSearch("a b", exactSeriesSearch(["a b"]))).toBe(true);
  });

  it("opens the charts of the scalar series, zoomed, with only this run", () => {
    const route = evidenceRoute(finding({ evidence: { series: ["val/loss", "grads/0.weight", "gone"] } }), "r1", kinds);
    expect(route).toEqual({ view: "scalars", runs: ["r1"], series: exactSeriesSearch(["val/loss"]), range: [90, 150], x: "step" });
    // The link survives the URL (bookmarkable).
    const url = formatRoute({ ...parseRoute(""), ...route! });
    expect(parseRoute(url)).toMatchObject(route!);
  });

  it("opens the layers view for tensor-only evidence", () => {
    expect(evidenceRoute(finding({ evidence: { series: ["grads/0.weight"] } }), "r1", kinds)).toEqual({ view: "layers", run: "r1", tensor: "grads/0.weight" });
  });

  it("falls back on the step range, then on nothing", () => {
    expect(evidenceRoute(finding({}), "r1", kinds)).toEqual({ view: "scalars", runs: ["r1"], series: "", range: [90, 150], x: "step" });
    expect(evidenceRoute(finding({ step_start: null, step_end: null }), "r1", kinds)).toBeNull();
  });

  it("describes counts", () => {
    expect(findingCountsText({ error: 2, warning: 1, info: 0 })).toBe("2 errors, 1 warning");
    expect(findingCountsText({ error: 0, warning: 0, info: 3 })).toBe("3 info");
    expect(findingCountsText({ error: 0, warning: 0, info: 0 })).toBe("no findings");
    expect(worstSeverity({ error: 0, warning: 2, info: 1 })).toBe("warning");
    expect(worstSeverity({ error: 0, warning: 0, info: 0 })).toBeNull();
  });
});
