import { formatNumber } from "../lib/format";

/** Choose one of the given steps (sorted); shows the chosen step's number. */
export function StepSlider({ steps, value, onChange }: { steps: number[]; value: number; onChange: (step: number) => void }) {
  const index = Math.max(steps.indexOf(value), 0);
  if (steps.length <= 1) return <span class="muted small">step {formatNumber(steps[0] ?? null)}</span>;
  return (
    <label class="control step-slider">
      Step
      <input type="range" min={0} max={steps.length - 1} value={index} onInput={(e) => onChange(steps[Number((e.target as HTMLInputElement).value)]!)} />
      <span class="num control-value">{formatNumber(value)}</span>
    </label>
  );
}
