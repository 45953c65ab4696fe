import { useMemo, useState } from "preact/hooks";
import { useApp } from "../appContext";
import { useAsync } from "../hooks/useAsync";
import { StepSlider } from "./StepSlider";

/** Logged texts of a run, one series and one step at a time. Texts are shown as text, never HTML. */
export function TextPanel({ runId, names }: { runId: string; names: string[] }) {
  const { client } = useApp();
  const [name, setName] = useState<string | null>(null);
  const current = name && names.includes(name) ? name : (names[0] ?? null);
  const texts = useAsync((signal) => (current ? client.readTexts(runId, current, {}, signal) : Promise.resolve(null)), [client, runId, current]);
  const points = texts.data?.points ?? [];
  const steps = useMemo(() => [...new Set(points.map((p) => p.step))], [points]);
  const [step, setStep] = useState<number | null>(null);
  const shownStep = step !== null && steps.includes(step) ? step : (steps[steps.length - 1] ?? null);
  const shown = points.filter((p) => p.step === shownStep);

  return (
    <div class="card">
      <div class="card-title">
        Text
        {names.length > 1 && (
          <select class="select" value={current ?? ""} onChange={(e) => setName((e.target as HTMLSelectElement).value)} aria-label="text series">
            {names.map((n) => (
              <option key={n} value={n}>{n}</option>
            ))}
          </select>
        )}
        {names.length === 1 && <span class="mono muted">{current}</span>}
        <span class="spacer" />
        {shownStep !== null && <StepSlider steps={steps} value={shownStep} onChange={setStep} />}
      </div>
      {texts.error && <div class="banner banner-error">{texts.error.message}</div>}
      {shown.map((p, i) => (
        <pre class="text-block" key={i}>{p.text}</pre>
      ))}
      {texts.data && points.length === 0 && <div class="empty small">No texts.</div>}
    </div>
  );
}
