import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import type { ApiClient } from "./api/client";
import { AppContext, compareIdsFor, focusIdFor, type AppState } from "./appContext";
import { ConnectionBanner } from "./components/ConnectionBanner";
import { Sidebar } from "./components/Sidebar";
import { useAsync } from "./hooks/useAsync";
import { useRoute } from "./hooks/useRoute";
import { throttle, type LiveFeed } from "./lib/live";
import { LayersView } from "./views/LayersView";
import { RunDetailView } from "./views/RunDetailView";
import { RunsView } from "./views/RunsView";
import { ScalarsView } from "./views/ScalarsView";

export function App({ client, live }: { client: ApiClient; live: LiveFeed }) {
  const [route, navigate] = useRoute();
  const [reload, setReload] = useState(0);

  useEffect(() => {
    live.start();
    const refresh = throttle(() => setReload((n) => n + 1), 1000);
    const unsubscribe = live.subscribe(refresh);
    return () => {
      unsubscribe();
      refresh.cancel();
    };
  }, [live]);

  const filterKey = route.filters.join("\u0000");
  const runsState = useAsync(
    (signal) => client.listRuns({ q: route.q, filters: route.filters }, signal),
    [client, route.q, filterKey, reload],
  );
  const runs = runsState.data?.runs ?? [];

  const toggleRun = useCallback(
    (id: string) => {
      const selected = route.runs.includes(id) ? route.runs.filter((r) => r !== id) : [...route.runs, id];
      navigate({ runs: selected }, { replace: true });
    },
    [route.runs, navigate],
  );

  const state = useMemo<AppState>(
    () => ({
      client,
      live,
      route,
      navigate,
      runs,
      runsError: runsState.error,
      runsLoading: runsState.loading && !runsState.data,
      runById: new Map(runs.map((r) => [r.id, r])),
      compareIds: compareIdsFor(route, runs),
      focusId: focusIdFor(route, runs),
      toggleRun,
    }),
    [client, live, route, navigate, runsState, toggleRun],
  );

  return (
    <AppContext.Provider value={state}>
      <div class="layout">
        <Sidebar />
        <main class="main">
          <ConnectionBanner />
          {renderView(route.view)}
        </main>
      </div>
    </AppContext.Provider>
  );
}

function renderView(view: AppState["route"]["view"]) {
  switch (view) {
    case "scalars":
      return <ScalarsView />;
    case "layers":
      return <LayersView />;
    case "run":
      return <RunDetailView />;
    default:
      return <RunsView />;
  }
}
