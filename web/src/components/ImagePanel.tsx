import { useEffect, useMemo, useState } from "preact/hooks";
import { isAbort } from "../api/client";
import type { MediaItemResponse } from "../api/types";
import { useApp } from "../appContext";
import { useAsync } from "../hooks/useAsync";
import { StepSlider } from "./StepSlider";

/** Logged images of a run, one series and one step at a time. */
export function ImagePanel({ runId, names }: { runId: string; names: string[] }) {
  const { client } = useApp();
  const [name, setName] = useState<string | null>(null);
  const current = name && names.includes(name) ? name : (names[0] ?? null);
  const media = useAsync((signal) => (current ? client.readMedia(runId, current, {}, signal) : Promise.resolve(null)), [client, runId, current]);
  const items = media.data?.items ?? [];
  const steps = useMemo(() => [...new Set(items.map((m) => m.step))], [items]);
  const [step, setStep] = useState<number | null>(null);
  const shownStep = step !== null && steps.includes(step) ? step : (steps[steps.length - 1] ?? null);

  return (
    <div class="card">
      <div class="card-title">
        Images
        {names.length > 1 && (
          <select class="select" value={current ?? ""} onChange={(e) => setName((e.target as HTMLSelectElement).value)} aria-label="image series">
            {names.map((n) => (
              <option key={n} value={n}>{n}</option>
            ))}
          </select>
        )}
        {names.length === 1 && <span class="mono muted">{current}</span>}
        <span class="spacer" />
        {shownStep !== null && <StepSlider steps={steps} value={shownStep} onChange={setStep} />}
      </div>
      {media.error && <div class="banner banner-error">{media.error.message}</div>}
      <div class="image-grid">
        {items.filter((m) => m.step === shownStep).map((item) => (
          <MediaImage key={item.sha256} item={item} />
        ))}
      </div>
    </div>
  );
}

/** The image bytes come through the API client (token header) and show via an object URL. */
function MediaImage({ item }: { item: MediaItemResponse }) {
  const { client } = useApp();
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    let objectUrl: string | null = null;
    client.readMediaBlob(item.sha256, controller.signal).then(
      (blob) => {
        objectUrl = URL.createObjectURL(blob);
        setUrl(objectUrl);
      },
      (e: unknown) => {
        if (!isAbort(e)) setError(e instanceof Error ? e.message : String(e));
      },
    );
    return () => {
      controller.abort();
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [client, item.sha256]);
  return (
    <figure class="image-item">
      {url ? <img src={url} alt={`step ${item.step}`} class="pixelated" /> : <div class="image-placeholder">{error ?? "…"}</div>}
      <figcaption class="muted small">
        {item.width}×{item.height} · {item.mime}
      </figcaption>
    </figure>
  );
}
