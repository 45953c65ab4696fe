import { useEffect, useMemo, useState } from "preact/hooks";
import { useApp } from "../appContext";
import { ChartGrid } from "../components/ChartGrid";
import { RunSwatch } from "../components/RunSwatch";
import { useAsync } from "../hooks/useAsync";
import { groupSeries, matchesSearch } from "../lib/groups";
import type { XAxis } from "../lib/route";

const SERIES_RELOAD_MS = 5000; // while compared runs train, look for new series this often

/** Every scalar series of the compared runs, grouped by prefix, one chart per name. */
export function ScalarsView() {
  const { client, route, navigate, compareIds, runById, live } = useApp();
  const [reload, setReload] = useState(0);
  const runKey = compareIds.join(",");
  const namesState = useAsync(async (signal) => {
    const lists = await Promise.all(compareIds.map((id) => client.listSeries(id, "scalar", signal).catch(() => ({ series: [] }))));
    const names = new Set<string>();
    for (const list of lists) for (const s of list.series) names.add(s.name);
    return names;
  }, [client, runKey, reload]);

  // New series appear while runs train (val/ after the first epoch): look again, gently.
  useEffect(() => {
    let last = 0;
    return live.subscribe((update) => {
      if (!update.runs.some((r) => compareIds.includes(r.id)) || Date.now() - last < SERIES_RELOAD_MS) return;
      last = Date.now();
      setReload((n) => n + 1);
    });
  }, [live, runKey]);

  const [search, setSearch] = useState(route.series);
  const names = namesState.data;
  const groups = useMemo(() => {
    const all = names ? [...names] : [];
    return groupSeries(route.series ? all.filter((n) => matchesSearch(n, route.series)) : all);
  }, [names, route.series]);
  const total = names?.size ?? 0;
  const shown = groups.reduce((n, g) => n + g.series.length, 0);

  return (
    <section class="view view-fill">
      <header class="view-header">
        <h1>Charts</h1>
        <span class="muted">
          {compareIds.length} run{compareIds.length === 1 ? "" : "s"} · {shown === total ? total : `${shown} of ${total}`} series
        </span>
        <div class="legend-inline">
          {compareIds.slice(0, 8).map((id) => (
            <span class="legend-item" key={id}>
              <RunSwatch runId={id} />
              {runById.get(id)?.name ?? id}
            </span>
          ))}
          {compareIds.length > 8 && <span class="muted">+{compareIds.length - 8}</span>}
        </div>
      </header>
      <div class="toolbar">
        <input
          class="input"
          type="search"
          placeholder="Search series (words or /regex/)"
          value={search}
          onInput={(e) => {
            const value = (e.target as HTMLInputElement).value;
            setSearch(value);
            navigate({ series: value }, { replace: true });
          }}
        />
        <label class="control" title="Exponential moving average; the raw line stays faint behind">
          Smoothing
          <input
            type="range"
            min="0"
            max="0.99"
            step="0.01"
            value={route.smooth}
            onInput={(e) => navigate({ smooth: Number((e.target as HTMLInputElement).value) }, { replace: true })}
          />
          <span class="num control-value">{route.smooth.toFixed(2)}</span>
        </label>
        <label class="control">
          X axis
          <select class="select" value={route.x} onChange={(e) => navigate({ x: (e.target as HTMLSelectElement).value as XAxis }, { replace: true })}>
            <option value="step">Step</option>
            <option value="wall">Wall time</option>
            <option value="relative">Relative time</option>
          </select>
        </label>
        <label class="control">
          <input type="checkbox" checked={route.logy} onChange={() => navigate({ logy: !route.logy }, { replace: true })} />
          Log y
        </label>
        <span class="muted small hint-inline">Drag to zoom · double-click to reset</span>
      </div>
      {namesState.error && <div class="banner banner-error">{namesState.error.message}</div>}
      {compareIds.length === 0 ? (
        <div class="empty">No runs to show yet.</div>
      ) : !names ? (
        <div class="empty">{namesState.loading ? "Loading series…" : ""}</div>
      ) : groups.length === 0 ? (
        <div class="empty">{total === 0 ? "These runs have logged no scalars yet." : "No series match this search."}</div>
      ) : (
        <ChartGrid groups={groups} runIds={compareIds} />
      )}
    </section>
  );
}
