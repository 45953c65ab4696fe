import { useEffect, useState } from "preact/hooks";
import { useApp } from "../appContext";
import type { LiveStatus } from "../lib/live";

/** Whether the live-update stream is connected. */
export function LiveBadge() {
  const { live } = useApp();
  const [status, setStatus] = useState<LiveStatus>(live.status);
  useEffect(() => live.onStatus(setStatus), [live]);
  const label = status === "live" ? "live" : status === "reconnecting" ? "offline" : "…";
  return (
    <span class={`live-badge live-${status}`} title={`updates: ${status}`}>
      {label}
    </span>
  );
}
