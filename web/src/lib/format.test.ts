import { describe, expect, it } from "vitest";
import { flatten, unionKeys } from "./flatten";
import { formatCompact, formatDuration, formatNumber, formatValue } from "./format";

describe("flatten", () => {
  it("dots nested keys and keeps leaves", () => {
    expect(flatten({ lr: 0.1, optimizer: { name: "adam", betas: [0.9, 0.99] }, empty: {} })).toEqual({
      lr: 0.1,
      "optimizer.name": "adam",
      "optimizer.betas": [0.9, 0.99],
      empty: {},
    });
  });
  it("unions keys", () => {
    expect(unionKeys([{ b: 1 }, { a: 1, b: 2 }])).toEqual(["a", "b"]);
  });
});

describe("format", () => {
  it("formats numbers compactly", () => {
    expect(formatNumber(0.000123)).toBe("1.23e-4");
    expect(formatNumber(0.0003)).toBe("3e-4");
    expect(formatNumber(2.5e7 + 0.5)).toBe("2.5e7");
    expect(formatNumber(0.123456)).toBe("0.1235");
    expect(formatNumber(1234567)).toBe("1,234,567");
    expect(formatNumber(NaN)).toBe("NaN");
    expect(formatNumber(null)).toBe("–");
  });
  it("formats durations", () => {
    expect(formatDuration(3.6)).toBe("4s");
    expect(formatDuration(125)).toBe("2m 5s");
    expect(formatDuration(7300)).toBe("2h 1m");
    expect(formatDuration(null)).toBe("–");
  });
  it("formats values", () => {
    expect(formatValue({ a: 1 })).toBe('{"a":1}');
    expect(formatValue(26071)).toBe("26071");
    expect(formatValue(0.0003)).toBe("3e-4");
    expect(formatValue("<b>x</b>")).toBe("<b>x</b>");
  });
});

describe("formatCompact", () => {
  it("shortens counts", () => {
    expect(formatCompact(950)).toBe("950");
    expect(formatCompact(3802)).toBe("3.8k");
    expect(formatCompact(29487)).toBe("29.5k");
    expect(formatCompact(419800)).toBe("420k");
    expect(formatCompact(1_000_000)).toBe("1M");
    expect(formatCompact(12_345_678)).toBe("12.3M");
  });
});
