import { describe, expect, it } from "vitest";
import { UNGROUPED, groupOf, groupSeries, matchesSearch } from "./groups";

describe("groupSeries", () => {
  it("groups by the first path segment, ungrouped first", () => {
    const groups = groupSeries(["val/loss", "lr", "train/loss", "train/acc", "epoch", "train/layer10", "train/layer2"]);
    expect(groups.map((g) => g.name)).toEqual([UNGROUPED, "train", "val"]);
    expect(groups[0]!.series).toEqual(["epoch", "lr"]);
    expect(groups[1]!.series).toEqual(["train/acc", "train/layer2", "train/layer10", "train/loss"]);
  });

  it("puts training metrics first and run.watch series last", () => {
    const groups = groupSeries(["updates/0.weight", "zeta/x", "val/loss", "alpha/y", "train/loss", "grad_norm/total"]);
    expect(groups.map((g) => g.name)).toEqual(["train", "val", "alpha", "zeta", "grad_norm", "updates"]);
  });

  it("treats a leading slash as ungrouped", () => {
    expect(groupOf("/x")).toBe(UNGROUPED);
    expect(groupOf("a/b/c")).toBe("a");
  });

  it("groups 10,000 names fast", () => {
    const names = Array.from({ length: 10000 }, (_, i) => `g${i % 50}/series_${i}`);
    const t0 = performance.now();
    expect(groupSeries(names)).toHaveLength(50);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe("matchesSearch", () => {
  it("needs every term, case-insensitively", () => {
    expect(matchesSearch("train/Loss", "loss train")).toBe(true);
    expect(matchesSearch("train/loss", "val")).toBe(false);
    expect(matchesSearch("anything", "  ")).toBe(true);
  });

  it("accepts /regex/ terms and survives bad ones", () => {
    expect(matchesSearch("layer12/grad", "/layer1\\d/")).toBe(true);
    expect(matchesSearch("layer12/grad", "/(/")).toBe(false);
  });
});
