import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { useWidth } from "../hooks/useWidth";
import type { SeriesGroup } from "../lib/groups";
import { offsets, visibleWindow } from "../lib/virtual";
import { ScalarChart } from "./ScalarChart";

const HEADER_HEIGHT = 44; // px, a group's header row
const CHART_HEIGHT = 290; // px, a row of charts including the gap
const MIN_CHART_WIDTH = 380; // px

type Row = { kind: "header"; group: SeriesGroup } | { kind: "charts"; names: string[] };

/**
 * Groups of charts in a virtualized scroller: with 10,000 series only the rows near the viewport
 * exist in the DOM, and only those fetch data.
 */
export function ChartGrid({ groups, runIds }: { groups: SeriesGroup[]; runIds: string[] }) {
  const scroller = useRef<HTMLDivElement>(null);
  const width = useWidth(scroller);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(800);
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const columns = Math.max(1, Math.min(3, Math.floor((width - 32) / MIN_CHART_WIDTH)));

  const rows = useMemo(() => {
    const out: Row[] = [];
    for (const group of groups) {
      out.push({ kind: "header", group });
      if (collapsed.has(group.name)) continue;
      for (let i = 0; i < group.series.length; i += columns) out.push({ kind: "charts", names: group.series.slice(i, i + columns) });
    }
    return out;
  }, [groups, collapsed, columns]);
  const tops = useMemo(() => offsets(rows.map((r) => (r.kind === "header" ? HEADER_HEIGHT : CHART_HEIGHT))), [rows]);
  const win = visibleWindow(tops, scrollTop, viewport, 600);

  useEffect(() => {
    const el = scroller.current;
    if (!el) return undefined;
    const onScroll = (): void => setScrollTop(el.scrollTop);
    const measure = (): void => setViewport(el.clientHeight);
    measure();
    el.addEventListener("scroll", onScroll, { passive: true });
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => {
      el.removeEventListener("scroll", onScroll);
      observer.disconnect();
    };
  }, []);

  const spacerTop = useRef<HTMLDivElement>(null);
  const spacerBottom = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // Heights from JS (the CSP forbids style attributes).
    if (spacerTop.current) spacerTop.current.style.height = `${win.offset}px`;
    if (spacerBottom.current) spacerBottom.current.style.height = `${tops[tops.length - 1]! - tops[win.last]!}px`;
  });

  const toggle = (name: string): void => {
    const next = new Set(collapsed);
    if (next.has(name)) next.delete(name);
    else next.add(name);
    setCollapsed(next);
  };

  return (
    <div class="chart-scroller" ref={scroller}>
      <div ref={spacerTop} />
      {/* Until the width is known the column count is a guess: charts laid out by it would be
          re-created (their rows re-keyed) as soon as it is measured. */}
      {width > 0 && rows.slice(win.first, win.last).map((row) =>
        row.kind === "header" ? (
          <button key={`h:${row.group.name}`} class="group-header" aria-expanded={!collapsed.has(row.group.name)} onClick={() => toggle(row.group.name)}>
            <span class="caret" aria-hidden="true">{collapsed.has(row.group.name) ? "▸" : "▾"}</span>
            <span class="group-name">{row.group.name}</span>
            <span class="muted small">{row.group.series.length}</span>
          </button>
        ) : (
          <div key={`c:${row.names[0]}`} class={`chart-row cols-${columns}`}>
            {row.names.map((name) => (
              <ScalarChart key={name} name={name} runIds={runIds} />
            ))}
          </div>
        ),
      )}
      <div ref={spacerBottom} />
    </div>
  );
}
