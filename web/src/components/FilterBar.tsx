import { useState } from "preact/hooks";
import { ApiError } from "../api/client";
import { useApp } from "../appContext";
import { checkFilter, normalizeFilter } from "../lib/filters";

/** Name search (server-side `q=`) and config filter chips (server-side `filter=`). */
export function FilterBar() {
  const { route, navigate, runsError } = useApp();
  const [draft, setDraft] = useState("");
  const [q, setQ] = useState(route.q);
  const check = draft.trim() ? checkFilter(draft) : null;

  const addFilter = (): void => {
    const normalized = normalizeFilter(draft);
    if (!normalized) return;
    if (!route.filters.includes(normalized)) navigate({ filters: [...route.filters, normalized] }, { replace: true });
    setDraft("");
  };

  return (
    <div class="filter-bar">
      <form
        class="filter-form"
        onSubmit={(e) => {
          e.preventDefault();
          navigate({ q: q.trim() }, { replace: true });
        }}
      >
        <input
          class="input"
          type="search"
          name="q"
          placeholder="Search run names"
          value={q}
          onInput={(e) => {
            const value = (e.target as HTMLInputElement).value;
            setQ(value);
            if (value === "") navigate({ q: "" }, { replace: true });
          }}
          onBlur={() => q.trim() !== route.q && navigate({ q: q.trim() }, { replace: true })}
        />
      </form>
      <form
        class="filter-form"
        onSubmit={(e) => {
          e.preventDefault();
          addFilter();
        }}
      >
        <input
          class={check && !check.ok ? "input input-invalid" : "input"}
          name="filter"
          placeholder="Filter on config: lr < 0.01, optimizer.name = adam"
          value={draft}
          aria-invalid={check !== null && !check.ok}
          onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
        />
        <button class="button" type="submit" disabled={!check?.ok}>
          Add filter
        </button>
      </form>
      {check && !check.ok && <div class="hint error-text">{check.message}</div>}
      {route.filters.length > 0 && (
        <div class="chips">
          {route.filters.map((f) => (
            <span class="chip" key={f}>
              <code>{f}</code>
              <button
                class="chip-x"
                aria-label={`remove filter ${f}`}
                onClick={() => navigate({ filters: route.filters.filter((x) => x !== f) }, { replace: true })}
              >
                ×
              </button>
            </span>
          ))}
          <button class="link-button" onClick={() => navigate({ filters: [] }, { replace: true })}>
            clear all
          </button>
        </div>
      )}
      {runsError instanceof ApiError && runsError.status === 400 && <div class="banner banner-error">{runsError.message}</div>}
    </div>
  );
}
