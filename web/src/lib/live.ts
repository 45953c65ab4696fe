// Live updates: one EventSource for the page, fanned out to whoever listens (run list, charts).
import type { UpdateEventResponse } from "../api/types";

export type LiveStatus = "connecting" | "live" | "reconnecting" | "off";
export type UpdateListener = (update: UpdateEventResponse) => void;

export class LiveFeed {
  private source: EventSource | null = null;
  private readonly listeners = new Set<UpdateListener>();
  private readonly statusListeners = new Set<(s: LiveStatus) => void>();
  status: LiveStatus = "off";

  constructor(private readonly open: () => EventSource) {}

  start(): void {
    if (this.source) return;
    this.setStatus("connecting");
    const source = this.open();
    source.addEventListener("open", () => this.setStatus("live"));
    // EventSource reconnects by itself; only say so.
    source.addEventListener("error", () => this.setStatus("reconnecting"));
    source.addEventListener("update", (event) => this.dispatch((event as MessageEvent<string>).data));
    this.source = source;
  }

  stop(): void {
    this.source?.close();
    this.source = null;
    this.setStatus("off");
  }

  subscribe(listener: UpdateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onStatus(listener: (s: LiveStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Hand a raw `update` payload to every listener (also used by tests). */
  dispatch(data: string): void {
    let update: UpdateEventResponse;
    try {
      update = JSON.parse(data) as UpdateEventResponse;
    } catch {
      return;
    }
    if (!Array.isArray(update.runs)) return;
    if (this.status !== "live") this.setStatus("live");
    for (const listener of [...this.listeners]) listener(update);
  }

  private setStatus(status: LiveStatus): void {
    this.status = status;
    for (const listener of [...this.statusListeners]) listener(status);
  }
}

/**
 * Calls `fn` at most once per `ms`: the first call runs at once, later ones are folded into one
 * trailing call. `cancel()` drops a pending call.
 */
export function throttle(fn: () => void, ms: number, now: () => number = Date.now): { (): void; cancel(): void } {
  let last = -Infinity;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const run = (): void => {
    timer = null;
    last = now();
    fn();
  };
  const throttled = (): void => {
    if (timer !== null) return;
    const wait = last + ms - now();
    if (wait <= 0) run();
    else timer = setTimeout(run, wait);
  };
  throttled.cancel = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  return throttled;
}
