import { describe, expect, it } from "vitest";
import { offsets, visibleWindow } from "./virtual";

describe("visibleWindow", () => {
  const tops = offsets(new Array<number>(10000).fill(100)); // 10,000 rows of 100 px

  it("renders only the rows near the viewport", () => {
    const w = visibleWindow(tops, 50000, 800, 200);
    expect(w.first).toBe(498);
    expect(w.last).toBe(510);
    expect(w.offset).toBe(49800);
  });

  it("clamps at both ends", () => {
    expect(visibleWindow(tops, 0, 800, 0)).toEqual({ first: 0, last: 8, offset: 0 });
    const end = visibleWindow(tops, 10_000_000, 800, 0);
    expect(end.last).toBe(10000);
    expect(end.first).toBeLessThan(10000);
  });

  it("handles mixed heights and an empty list", () => {
    const mixed = offsets([30, 300, 30, 300]);
    expect(visibleWindow(mixed, 0, 100, 0)).toEqual({ first: 0, last: 2, offset: 0 });
    expect(visibleWindow(offsets([]), 0, 100)).toEqual({ first: 0, last: 0, offset: 0 });
  });
});
