import { describe, expect, it } from "vitest";
import { nextSort, sortRows } from "./sort";

const rows = [
  { name: "run10", lr: 0.1 },
  { name: "run2", lr: null },
  { name: "run1", lr: 0.001 },
];
const get = (r: (typeof rows)[number], k: string): unknown => r[k as keyof typeof r];

describe("sortRows", () => {
  it("sorts numbers and keeps blanks last both ways", () => {
    expect(sortRows(rows, "lr", get).map((r) => r.name)).toEqual(["run1", "run10", "run2"]);
    expect(sortRows(rows, "-lr", get).map((r) => r.name)).toEqual(["run10", "run1", "run2"]);
  });
  it("sorts text naturally", () => {
    expect(sortRows(rows, "name", get).map((r) => r.name)).toEqual(["run1", "run2", "run10"]);
  });
  it("keeps the original order without a sort", () => {
    expect(sortRows(rows, "", get)).toEqual(rows);
  });
});

describe("nextSort", () => {
  it("cycles asc, desc, off", () => {
    expect(nextSort("", "lr")).toBe("lr");
    expect(nextSort("lr", "lr")).toBe("-lr");
    expect(nextSort("-lr", "lr")).toBe("");
    expect(nextSort("-name", "lr")).toBe("lr");
  });
});
