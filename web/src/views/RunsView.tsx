import { useMemo } from "preact/hooks";
import { useApp } from "../appContext";
import type { RunResponse } from "../api/types";
import { FilterBar } from "../components/FilterBar";
import { RunSwatch } from "../components/RunSwatch";
import { StatusDot } from "../components/StatusDot";
import { findingCountsText, worstSeverity } from "../lib/findings";
import { formatDuration, formatNumber, formatTime, formatValue } from "../lib/format";
import { wireNumber } from "../lib/nonfinite";
import { cellValue, pickColumns, toRows, type RunRow } from "../lib/runColumns";
import { nextSort, sortRows } from "../lib/sort";

export function RunsView() {
  const { runs, runsLoading, route, navigate, toggleRun } = useApp();
  const rows = useMemo(() => toRows(runs), [runs]);
  const columns = useMemo(() => pickColumns(rows), [rows]);
  const sorted = useMemo(() => sortRows(rows, route.sort, cellValue), [rows, route.sort]);
  const selected = new Set(route.runs);
  const allSelected = runs.length > 0 && runs.every((r) => selected.has(r.id));

  const header = (key: string, label: string, title?: string, extraClass = "") => {
    const state = route.sort === key ? "asc" : route.sort === `-${key}` ? "desc" : "";
    return (
      <th
        key={key}
        class={`sortable ${state} ${extraClass}`}
        title={title ?? label}
        aria-sort={state === "asc" ? "ascending" : state === "desc" ? "descending" : "none"}
        onClick={() => navigate({ sort: nextSort(route.sort, key) }, { replace: true })}
      >
        {label}
        <span class="sort-arrow" aria-hidden="true">{state === "asc" ? "▲" : state === "desc" ? "▼" : ""}</span>
      </th>
    );
  };

  return (
    <section class="view">
      <header class="view-header">
        <h1>Runs</h1>
        <span class="muted">
          {runsLoading ? "loading…" : `${runs.length} run${runs.length === 1 ? "" : "s"}`}
          {route.runs.length > 0 && ` · ${route.runs.length} selected`}
        </span>
        <div class="spacer" />
        <button class="button button-primary" disabled={runs.length === 0} onClick={() => navigate({ view: "scalars" })}>
          Compare charts →
        </button>
      </header>
      <FilterBar />
      <div class="table-wrap">
        <table class="table runs-table">
          <thead>
            <tr class="group-row">
              <th class="col-check" />
              <th class="col-sticky" />
              <th colSpan={5} />
              {columns.config.length > 0 && <th colSpan={columns.config.length} class="col-group">Config</th>}
              {columns.metrics.length > 0 && <th colSpan={columns.metrics.length} class="col-group">Last value</th>}
            </tr>
            <tr>
              <th class="col-check">
                <input
                  type="checkbox"
                  aria-label="select all runs"
                  checked={allSelected}
                  onChange={() => navigate({ runs: allSelected ? [] : runs.map((r) => r.id) }, { replace: true })}
                />
              </th>
              {header("name", "Name", undefined, "col-sticky")}
              {header("status", "Status")}
              {header("created", "Created")}
              {header("duration", "Duration")}
              {header("steps", "Steps")}
              {header("tags", "Tags")}
              {columns.config.map((c) => header(`c:${c}`, c, `config ${c}`))}
              {columns.metrics.map((m) => header(`m:${m}`, m, `last value of ${m}`))}
            </tr>
          </thead>
          <tbody>
            {sorted.map((row) => (
              <RunTableRow key={row.run.id} row={row} columns={columns} selected={selected.has(row.run.id)} onToggle={toggleRun} />
            ))}
          </tbody>
        </table>
        {!runsLoading && runs.length === 0 && (
          <div class="empty">
            <p>No runs {route.q || route.filters.length ? "match these filters" : "in this logdir yet"}.</p>
            <p class="muted">
              Log one with <code>deepscope.init(project="…")</code> and <code>run.log({"{"}"loss": 0.1{"}"}, step=1)</code>.
            </p>
          </div>
        )}
        {(columns.hiddenMetrics > 0 || columns.hiddenConfig > 0) && (
          <p class="muted hint">
            {columns.hiddenMetrics > 0 && `${columns.hiddenMetrics} more metrics not shown as columns. `}
            {columns.hiddenConfig > 0 && `${columns.hiddenConfig} more config keys not shown.`}
          </p>
        )}
      </div>
    </section>
  );
}

/** A run's findings at a glance: the worst severity's count; opens the run at its findings. */
function FindingsBadge({ run }: { run: RunResponse }) {
  const { navigate } = useApp();
  const counts = run.findings;
  const worst = counts ? worstSeverity(counts) : null;
  if (!counts || !worst) return null;
  const text = findingCountsText(counts);
  return (
    <a
      href={`#/run?run=${encodeURIComponent(run.id)}&section=findings`}
      class={`findings-badge findings-badge-${worst}`}
      title={text}
      aria-label={`${text}: show findings`}
      onClick={(e) => {
        e.preventDefault();
        navigate({ view: "run", run: run.id, section: "findings" });
      }}
    >
      {counts[worst]}
    </a>
  );
}

function RunTableRow({ row, columns, selected, onToggle }: {
  row: RunRow;
  columns: ReturnType<typeof pickColumns>;
  selected: boolean;
  onToggle: (id: string) => void;
}) {
  const { navigate } = useApp();
  const run = row.run;
  return (
    <tr class={selected ? "selected" : ""} data-run-id={run.id}>
      <td class="col-check">
        <input type="checkbox" checked={selected} aria-label={`select ${run.name}`} onChange={() => onToggle(run.id)} />
      </td>
      <td class="col-sticky">
        <span class="cell-name">
          <RunSwatch runId={run.id} />
        <a
          href={`#/run?run=${encodeURIComponent(run.id)}`}
          class="run-name"
          onClick={(e) => {
            e.preventDefault();
            navigate({ view: "run", run: run.id, section: "" });
          }}
        >
          {run.name}
        </a>
          <FindingsBadge run={run} />
          <span class="run-id muted">{run.id.slice(0, 8)}</span>
        </span>
      </td>
      <td>
        <StatusDot run={run} withLabel />
      </td>
      <td class="num muted">{formatTime(run.created_at)}</td>
      <td class="num">{formatDuration(run.duration)}</td>
      <td class="num">{run.last_step === null ? "–" : formatNumber(run.last_step)}</td>
      <td>
        {run.tags.map((t) => (
          <span class="tag" key={t}>{t}</span>
        ))}
      </td>
      {columns.config.map((c, i) => (
        <td class={i === 0 ? "cfg group-start" : "cfg"} key={c}>{row.config[c] === undefined ? "" : formatValue(row.config[c])}</td>
      ))}
      {columns.metrics.map((m, i) => (
        <td class={i === 0 ? "num group-start" : "num"} key={m}>{formatNumber(wireNumber(run.last?.[m]?.value))}</td>
      ))}
    </tr>
  );
}
