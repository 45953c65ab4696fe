import { describe, expect, it } from "vitest";
import type { RunResponse } from "../api/types";
import { cellValue, pickColumns, toRows } from "./runColumns";
import { sortRows } from "./sort";

function run(id: string, extra: Partial<RunResponse>): RunResponse {
  return {
    id, name: id, project: "p", status: "finished", stale: false, created_at: 0, ended_at: 1,
    heartbeat_at: 1, duration: 1, last_step: 10, tags: [], notes: "", exit_reason: null,
    config: {}, last: {}, findings: { error: 0, warning: 0, info: 0 }, ...extra,
  };
}

describe("runs table columns", () => {
  const rows = toRows([
    run("a", { config: { lr: 0.1, opt: { name: "adam" } }, last: { "train/loss": { step: 1, value: 0.5 }, "val/acc": { step: 1, value: "NaN" } } }),
    run("b", { config: { lr: 0.001, hidden: 64 }, last: { "train/loss": { step: 1, value: 0.2 }, lr: { step: 1, value: 0.001 } } }),
  ]);

  it("lists every config key and orders metrics val, train, rest", () => {
    const cols = pickColumns(rows);
    expect(cols.config).toEqual(["hidden", "lr", "opt.name"]);
    expect(cols.metrics).toEqual(["val/acc", "train/loss", "lr"]);
  });

  it("reads cells and sorts by config and metric", () => {
    expect(cellValue(rows[0]!, "c:opt.name")).toBe("adam");
    expect(cellValue(rows[0]!, "m:val/acc")).toBeNaN();
    expect(sortRows(rows, "c:lr", cellValue).map((r) => r.run.id)).toEqual(["b", "a"]);
    expect(sortRows(rows, "-m:train/loss", cellValue).map((r) => r.run.id)).toEqual(["a", "b"]);
  });

  it("reports a stale running run as crashed", () => {
    const [row] = toRows([run("c", { status: "running", stale: true })]);
    expect(cellValue(row!, "status")).toBe("crashed");
  });
});
