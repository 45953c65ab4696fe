import { useApp } from "../appContext";
import { RunSwatch } from "./RunSwatch";

/** Which run the Layers / Run views show. */
export function RunPicker() {
  const { runs, focusId, navigate } = useApp();
  return (
    <label class="control run-picker">
      {focusId && <RunSwatch runId={focusId} />}
      <select class="select" value={focusId ?? ""} onChange={(e) => navigate({ run: (e.target as HTMLSelectElement).value }, { replace: true })} aria-label="run">
        {runs.map((r) => (
          <option key={r.id} value={r.id}>
            {r.name} ({r.id.slice(0, 8)})
          </option>
        ))}
      </select>
    </label>
  );
}
