import { describe, expect, it } from "vitest";
import { checkFilter, normalizeFilter } from "./filters";

describe("checkFilter", () => {
  it("reads numeric comparisons", () => {
    expect(checkFilter("lr < 0.01")).toEqual({ ok: true, key: "lr", op: "<", value: "0.01", numeric: true });
    expect(checkFilter("  batch>=64 ")).toMatchObject({ ok: true, key: "batch", op: ">=", value: "64" });
  });

  it("reads string equality, quotes and the config. prefix", () => {
    expect(checkFilter("optimizer.name = adam")).toMatchObject({ ok: true, key: "optimizer.name", op: "=", value: "adam", numeric: false });
    expect(checkFilter("config.opt == 'sgd'")).toMatchObject({ ok: true, key: "opt", op: "=", value: "sgd" });
    expect(checkFilter("name ~ mlp")).toMatchObject({ ok: true, op: "~" });
  });

  it("rejects text that is not `key op value`", () => {
    expect(checkFilter("lr").ok).toBe(false);
    expect(checkFilter("lr <").ok).toBe(false);
    expect(checkFilter("< 3").ok).toBe(false);
    expect(checkFilter("").ok).toBe(false);
  });

  it("rejects ordering against a non-number", () => {
    const check = checkFilter("lr < big");
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.message).toContain("big");
  });

  it("never evaluates the text", () => {
    const check = checkFilter("x = alert(1)");
    expect(check).toMatchObject({ ok: true, value: "alert(1)", numeric: false });
  });
});

describe("normalizeFilter", () => {
  it("spells equivalent filters the same way", () => {
    expect(normalizeFilter("lr<0.01")).toBe(normalizeFilter("lr < 0.01"));
    expect(normalizeFilter("nope")).toBeNull();
  });
});
