import { describe, expect, it } from "vitest";
import { DEFAULT_ROUTE, formatRoute, parseRoute, type Route } from "./route";

describe("route", () => {
  it("parses an empty hash to the defaults", () => {
    expect(parseRoute("")).toEqual(DEFAULT_ROUTE);
    expect(parseRoute("#/")).toEqual(DEFAULT_ROUTE);
  });

  it("round-trips every field", () => {
    const route: Route = {
      view: "scalars",
      runs: ["3f2a9c1d", "8b1e0f22"],
      run: "3f2a9c1d",
      q: "mlp & co",
      filters: ["lr < 0.01", "optimizer.name = adam"],
      smooth: 0.9,
      x: "relative",
      logy: true,
      series: "loss",
      tensor: "weights/0.weight",
      hist: "overlay",
      sort: "-last:val/acc",
      range: [-5, 130],
      section: "findings",
    };
    expect(parseRoute(formatRoute(route))).toEqual(route);
  });

  it("leaves defaults out of the URL", () => {
    expect(formatRoute({ ...DEFAULT_ROUTE, view: "layers" })).toBe("#/layers");
  });

  it("reads a step range only when well formed", () => {
    expect(parseRoute("#/scalars?range=90%2C130").range).toEqual([90, 130]);
    expect(parseRoute("#/scalars?range=90,130").range).toEqual([90, 130]);
    for (const bad of ["130,90", "1.5,3", "a,b", "90", ""]) expect(parseRoute(`#/scalars?range=${bad}`).range).toBeNull();
  });

  it("falls back on unknown or out-of-range values", () => {
    const r = parseRoute("#/nope?x=banana&smooth=7&hist=pie");
    expect(r.view).toBe("runs");
    expect(r.x).toBe("step");
    expect(r.smooth).toBe(0.99);
    expect(r.hist).toBe("ridgeline");
  });
});
