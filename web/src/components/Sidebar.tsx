import { useMemo, useState } from "preact/hooks";
import { useApp } from "../appContext";
import type { View } from "../lib/route";
import { Icon } from "./Icon";
import { LiveBadge } from "./LiveBadge";
import { RunSwatch } from "./RunSwatch";
import { StatusDot } from "./StatusDot";

const NAV: { view: View; label: string }[] = [
  { view: "runs", label: "Runs" },
  { view: "scalars", label: "Charts" },
  { view: "layers", label: "Layers" },
  { view: "run", label: "Run details" },
];

const SIDEBAR_RUN_LIMIT = 300;

export function Sidebar() {
  const { route, navigate, runs, compareIds, toggleRun, focusId } = useApp();
  const [find, setFind] = useState("");
  const shown = useMemo(() => {
    const needle = find.trim().toLowerCase();
    return needle ? runs.filter((r) => r.name.toLowerCase().includes(needle)) : runs;
  }, [runs, find]);
  const selected = new Set(route.runs);
  const implicit = route.runs.length === 0;

  return (
    <aside class="sidebar">
      <div class="brand">
        <svg class="brand-mark" viewBox="0 0 32 32" aria-hidden="true">
          <rect width="32" height="32" rx="7" fill="#3b5bdb" />
          <circle cx="15" cy="15" r="7.5" fill="none" stroke="#fff" stroke-width="3" />
          <path d="M20.5 20.5l6 6" stroke="#fff" stroke-width="3.2" stroke-linecap="round" />
        </svg>
        <span class="brand-name">deepscope</span>
        <LiveBadge />
      </div>
      <nav class="nav">
        {NAV.map((item) => (
          <a
            key={item.view}
            href={`#/${item.view}`}
            class={route.view === item.view ? "nav-item active" : "nav-item"}
            onClick={(e) => {
              e.preventDefault();
              navigate({ view: item.view });
            }}
          >
            <Icon name={item.view} />
            {item.label}
          </a>
        ))}
      </nav>
      <div class="sidebar-section">
        <div class="sidebar-heading">
          <span>Runs</span>
          <span class="muted">
            {implicit ? `newest ${compareIds.length} shown` : `${route.runs.length} selected`}
            {!implicit && (
              <button class="link-button" onClick={() => navigate({ runs: [] }, { replace: true })}>
                clear
              </button>
            )}
          </span>
        </div>
        <input
          class="input input-small"
          type="search"
          placeholder="Find a run…"
          value={find}
          onInput={(e) => setFind((e.target as HTMLInputElement).value)}
        />
        <ul class="run-list" aria-label="Runs">
          {shown.slice(0, SIDEBAR_RUN_LIMIT).map((run) => (
            <li key={run.id} class={focusId === run.id && (route.view === "run" || route.view === "layers") ? "run-item focused" : "run-item"}>
              <input
                type="checkbox"
                checked={selected.has(run.id)}
                aria-label={`compare ${run.name}`}
                onChange={() => toggleRun(run.id)}
              />
              <RunSwatch runId={run.id} />
              <a
                href={`#/run?run=${encodeURIComponent(run.id)}`}
                class="run-item-name"
                title={run.name}
                onClick={(e) => {
                  e.preventDefault();
                  navigate({ view: route.view === "layers" ? "layers" : "run", run: run.id });
                }}
              >
                {run.name}
              </a>
              <StatusDot run={run} />
            </li>
          ))}
          {shown.length > SIDEBAR_RUN_LIMIT && <li class="muted run-item">…and {shown.length - SIDEBAR_RUN_LIMIT} more (use search)</li>}
          {shown.length === 0 && <li class="muted run-item">No runs</li>}
        </ul>
      </div>
    </aside>
  );
}
