import { useEffect, useMemo, useRef } from "preact/hooks";
import { useApp } from "../appContext";
import type { FindingResponse } from "../api/types";
import { ImagePanel } from "../components/ImagePanel";
import { KeyValueTable } from "../components/KeyValueTable";
import { RunPicker } from "../components/RunPicker";
import { StatusDot } from "../components/StatusDot";
import { TextPanel } from "../components/TextPanel";
import { useAsync } from "../hooks/useAsync";
import { evidenceRoute, evidenceSeries, type SeriesKinds } from "../lib/findings";
import { formatDuration, formatNumber, formatTime } from "../lib/format";

/** Everything about one run: overview, findings, config, system, texts and images. */
export function RunDetailView() {
  const { client, focusId, runById, navigate, route } = useApp();
  const listed = focusId ? runById.get(focusId) : undefined;
  // Refetch when the list shows the run changed (live).
  const version = listed ? `${listed.status}|${listed.last_step}` : "";
  const run = useAsync((signal) => (focusId ? client.getRun(focusId, signal) : Promise.resolve(null)), [client, focusId, version]);
  const findings = useAsync((signal) => (focusId ? client.listFindings(focusId, signal) : Promise.resolve(null)), [client, focusId, version]);
  const series = useAsync((signal) => (focusId ? client.listSeries(focusId, undefined, signal) : Promise.resolve(null)), [client, focusId, version]);
  const byKind = useMemo(() => {
    const out = { text: [] as string[], image: [] as string[], scalar: 0, tensor: 0, kinds: { scalar: new Set<string>(), tensor: new Set<string>() } };
    for (const s of series.data?.series ?? []) {
      if (s.kind === "text") out.text.push(s.name);
      else if (s.kind === "image") out.image.push(s.name);
      else if (s.kind === "scalar") {
        out.scalar++;
        out.kinds.scalar.add(s.name);
      } else {
        out.tensor++;
        out.kinds.tensor.add(s.name);
      }
    }
    return out;
  }, [series.data]);

  if (!focusId) return <section class="view"><div class="empty">No runs yet.</div></section>;
  const r = run.data;
  const selected = route.runs.includes(focusId);

  return (
    <section class="view">
      <header class="view-header">
        <h1>Run</h1>
        <RunPicker />
        <div class="spacer" />
        <button class="button" onClick={() => navigate({ view: "scalars", runs: selected ? route.runs : [...route.runs, focusId] })}>
          Charts →
        </button>
        <button class="button" onClick={() => navigate({ view: "layers", run: focusId })}>
          Layers →
        </button>
      </header>
      {run.error && <div class="banner banner-error">{run.error.message}</div>}
      {r && (
        <div class="card run-overview">
          <div class="run-title">
            <h2 class="run-title-name">{r.name}</h2>
            <StatusDot run={r} withLabel />
          </div>
          <dl class="facts">
            <Fact label="id" value={r.id} mono />
            <Fact label="project" value={r.project} />
            <Fact label="created" value={formatTime(r.created_at)} />
            <Fact label="duration" value={formatDuration(r.duration)} />
            <Fact label="last step" value={formatNumber(r.last_step)} />
            <Fact label="series" value={`${byKind.scalar} scalar · ${byKind.tensor} tensor · ${byKind.text.length} text · ${byKind.image.length} image`} />
            {r.exit_reason && <Fact label="exit" value={r.exit_reason} />}
          </dl>
          {r.tags.length > 0 && (
            <div class="chips">
              {r.tags.map((t) => (
                <span class="tag" key={t}>{t}</span>
              ))}
            </div>
          )}
          {r.notes && <p class="notes">{r.notes}</p>}
        </div>
      )}
      {findings.data && findings.data.findings.length > 0 && (
        <Findings
          findings={findings.data.findings}
          runId={focusId}
          kinds={series.data ? byKind.kinds : null}
          scrollTo={route.section === "findings"}
        />
      )}
      <div class="two-col">
        <div class="card">
          <div class="card-title">Config</div>
          <KeyValueTable value={r?.config ?? {}} empty="No config." searchable />
        </div>
        <div class="card">
          <div class="card-title">System</div>
          <KeyValueTable value={r?.system ?? {}} empty="No system info." searchable />
        </div>
      </div>
      {byKind.text.length > 0 && <TextPanel runId={focusId} names={byKind.text} />}
      {byKind.image.length > 0 && <ImagePanel runId={focusId} names={byKind.image} />}
    </section>
  );
}

function Fact({ label, value, mono = false }: { label: string; value: string; mono?: boolean }) {
  return (
    <div class="fact">
      <dt>{label}</dt>
      <dd class={mono ? "mono" : ""}>{value}</dd>
    </div>
  );
}

function Findings({ findings, runId, kinds, scrollTo }: { findings: FindingResponse[]; runId: string; kinds: SeriesKinds | null; scrollTo: boolean }) {
  const { navigate } = useApp();
  const card = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (scrollTo) card.current?.scrollIntoView({ block: "start" });
  }, [scrollTo, runId]);
  return (
    <div class="card" id="findings" ref={card}>
      <div class="card-title">Findings <span class="muted">{findings.length}</span></div>
      <ul class="findings">
        {findings.map((f, i) => {
          const target = kinds ? evidenceRoute(f, runId, kinds) : null;
          const series = evidenceSeries(f);
          const open = target ? () => navigate({ ...target, section: "" }) : undefined;
          const where = target?.view === "layers" ? "the Layers view" : "the charts";
          return (
          <li
            key={i}
            class={`finding finding-${f.severity}${open ? " finding-linked" : ""}`}
            data-detector={f.detector}
            role={open ? "link" : undefined}
            tabIndex={open ? 0 : undefined}
            title={open ? `Show the evidence in ${where}` : undefined}
            onClick={open}
            onKeyDown={open ? (e) => {
              if (e.key === "Enter" || e.key === " ") {
                e.preventDefault();
                open();
              }
            } : undefined}
          >
            <div class="finding-head">
              <span class={`severity severity-${f.severity}`}>{f.severity}</span>
              <span class="finding-category">{f.category}</span>
              <span class="mono small muted" title="detector">{f.detector}</span>
              {f.layer && <span class="mono small muted">layer {f.layer}</span>}
              {f.step_start !== null && (
                <span class="muted small">
                  step {formatNumber(f.step_start)}
                  {f.step_end !== null && f.step_end !== f.step_start && `–${formatNumber(f.step_end)}`}
                </span>
              )}
            </div>
            <div class="finding-message">{f.message}</div>
            {f.suggestion && <div class="finding-suggestion muted">{f.suggestion}</div>}
            {open && (
              <div class="finding-evidence small">
                {series.length ? `Evidence: ${series.join(", ")} →` : "Show these steps →"}
              </div>
            )}
          </li>
          );
        })}
      </ul>
    </div>
  );
}
