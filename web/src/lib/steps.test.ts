import { describe, expect, it } from "vitest";
import { pickEvenly } from "./steps";

describe("pickEvenly", () => {
  it("keeps short lists whole", () => {
    expect(pickEvenly([1, 2, 3], 5)).toEqual([1, 2, 3]);
  });
  it("spreads picks and keeps both ends", () => {
    expect(pickEvenly([0, 10, 20, 30, 40, 50, 60, 70, 80], 3)).toEqual([0, 40, 80]);
    expect(pickEvenly(Array.from({ length: 100 }, (_, i) => i), 5)).toEqual([0, 25, 50, 74, 99]);
  });
  it("takes the last for n = 1", () => {
    expect(pickEvenly([1, 2, 3], 1)).toEqual([3]);
    expect(pickEvenly([], 1)).toEqual([]);
  });
});
