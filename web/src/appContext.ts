// What every view needs: the API client, the live feed, the route, and the run list.
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { ApiClient } from "./api/client";
import type { RunResponse } from "./api/types";
import type { Navigate } from "./hooks/useRoute";
import type { LiveFeed } from "./lib/live";
import type { Route } from "./lib/route";

/** Runs overlaid when none are selected: the newest few. */
export const DEFAULT_COMPARE = 5;

export interface AppState {
  client: ApiClient;
  live: LiveFeed;
  route: Route;
  navigate: Navigate;
  runs: RunResponse[];
  runsError: Error | null;
  runsLoading: boolean;
  runById: Map<string, RunResponse>;
  /** Runs shown in comparisons: the selection, or the newest few when nothing is selected. */
  compareIds: string[];
  /** The run of the Layers and Run views. */
  focusId: string | null;
  toggleRun(id: string): void;
}

export const AppContext = createContext<AppState | null>(null);

export function useApp(): AppState {
  const state = useContext(AppContext);
  if (!state) throw new Error("useApp() outside <AppContext.Provider>");
  return state;
}

export function compareIdsFor(route: Route, runs: readonly RunResponse[]): string[] {
  if (route.runs.length) return route.runs;
  return runs.slice(0, DEFAULT_COMPARE).map((r) => r.id);
}

export function focusIdFor(route: Route, runs: readonly RunResponse[]): string | null {
  return route.run ?? route.runs[0] ?? runs[0]?.id ?? null;
}
