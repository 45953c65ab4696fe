import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { UpdateEventResponse } from "../api/types";
import { LiveFeed, throttle } from "./live";

describe("throttle", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("runs at once, then folds bursts into one trailing call per interval", () => {
    const fn = vi.fn();
    const t = throttle(fn, 1000);
    t();
    expect(fn).toHaveBeenCalledTimes(1);
    t();
    t();
    t();
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(999);
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(5000);
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it("can cancel a pending call", () => {
    const fn = vi.fn();
    const t = throttle(fn, 1000);
    t();
    t();
    t.cancel();
    vi.advanceTimersByTime(2000);
    expect(fn).toHaveBeenCalledTimes(1);
  });
});

describe("LiveFeed.dispatch", () => {
  it("parses updates for listeners and ignores junk", () => {
    const feed = new LiveFeed(() => {
      throw new Error("not opened in this test");
    });
    const got: UpdateEventResponse[] = [];
    const unsubscribe = feed.subscribe((u) => got.push(u));
    feed.dispatch('{"runs": [{"id": "a", "status": "running", "last_step": 5, "heartbeat_at": 1}]}');
    feed.dispatch("not json");
    feed.dispatch('{"nope": 1}');
    unsubscribe();
    feed.dispatch('{"runs": []}');
    expect(got).toHaveLength(1);
    expect(got[0]!.runs[0]!.last_step).toBe(5);
  });
});
