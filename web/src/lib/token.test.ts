import { describe, expect, it } from "vitest";
import { TOKEN_KEY, takeToken } from "./token";

function memoryStore(): { data: Map<string, string>; getItem(k: string): string | null; setItem(k: string, v: string): void } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

describe("takeToken", () => {
  it("stores a token from the URL and strips it from the query", () => {
    const store = memoryStore();
    expect(takeToken("?token=s3cret&x=1", store)).toEqual({ token: "s3cret", search: "?x=1" });
    expect(store.data.get(TOKEN_KEY)).toBe("s3cret");
  });
  it("falls back to the stored token", () => {
    const store = memoryStore();
    store.setItem(TOKEN_KEY, "old");
    expect(takeToken("", store)).toEqual({ token: "old", search: "" });
  });
  it("has no token when neither has one", () => {
    expect(takeToken("?a=b", memoryStore())).toEqual({ token: null, search: "?a=b" });
  });
});
