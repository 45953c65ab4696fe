import { describe, expect, it } from "vitest";
import { PALETTE, fnv1a, runColor, withAlpha } from "./colors";

describe("runColor", () => {
  it("is stable for an id, whatever else exists", () => {
    expect(runColor("3f2a9c1d")).toBe(runColor("3f2a9c1d"));
    // Pinned: changing the hash or palette would repaint every user's runs.
    expect(fnv1a("a")).toBe(0xe40c292c);
    expect(runColor("3f2a9c1d")).toBe(PALETTE[fnv1a("3f2a9c1d") % PALETTE.length]);
  });

  it("spreads ids over the palette", () => {
    const used = new Set(Array.from({ length: 200 }, (_, i) => runColor(`run-${i}`)));
    expect(used.size).toBeGreaterThan(PALETTE.length * 0.8);
  });

  it("palette entries are valid, distinct hex colours", () => {
    for (const c of PALETTE) expect(c).toMatch(/^#[0-9a-f]{6}$/);
    expect(new Set(PALETTE).size).toBe(PALETTE.length);
  });
});

describe("withAlpha", () => {
  it("converts hex to rgba", () => {
    expect(withAlpha("#ff8000", 0.25)).toBe("rgba(255, 128, 0, 0.25)");
  });
});
