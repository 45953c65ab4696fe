import { describe, expect, it } from "vitest";
import { decodeValues, nonfiniteKind, wireNumber } from "./nonfinite";

describe("decodeValues", () => {
  it("restores NaN and both infinities at their indices", () => {
    const out = decodeValues([1, null, 2, null, null], { nan: [1], inf: [3], "-inf": [4] });
    expect(Array.from(out)).toEqual([1, NaN, 2, Infinity, -Infinity]);
  });

  it("keeps finite values bit-identical", () => {
    const values = [0.1 + 0.2, -0, 1e-308, 1.7976931348623157e308];
    expect(Array.from(decodeValues(values, { nan: [], inf: [], "-inf": [] }))).toEqual(values);
  });

  it("treats an unlisted null as NaN and ignores out-of-range indices", () => {
    const out = decodeValues([null, 5], { nan: [9], inf: [-1], "-inf": [] });
    expect(Number.isNaN(out[0])).toBe(true);
    expect(out[1]).toBe(5);
  });

  it("works without a nonfinite object", () => {
    expect(Array.from(decodeValues([1, 2]))).toEqual([1, 2]);
  });
});

describe("wireNumber", () => {
  it("decodes the aggregate strings", () => {
    expect(wireNumber("NaN")).toBeNaN();
    expect(wireNumber("Infinity")).toBe(Infinity);
    expect(wireNumber("-Infinity")).toBe(-Infinity);
    expect(wireNumber(3.5)).toBe(3.5);
    expect(wireNumber(null)).toBeNull();
  });
});

describe("nonfiniteKind", () => {
  it("names each kind", () => {
    expect(nonfiniteKind(NaN)).toBe("nan");
    expect(nonfiniteKind(Infinity)).toBe("inf");
    expect(nonfiniteKind(-Infinity)).toBe("-inf");
    expect(nonfiniteKind(0)).toBeNull();
  });
});
