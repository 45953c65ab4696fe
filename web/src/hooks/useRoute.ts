import { useCallback, useEffect, useState } from "preact/hooks";
import { formatRoute, parseRoute, type Route } from "../lib/route";

export type Navigate = (patch: Partial<Route>, options?: { replace?: boolean }) => void;

/** The route in the URL hash, and a way to change it (push for views, replace for tweaks). */
export function useRoute(): [Route, Navigate] {
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = (): void => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  const navigate = useCallback<Navigate>((patch, options) => {
    const next = { ...parseRoute(window.location.hash), ...patch };
    const hash = formatRoute(next);
    const url = `${window.location.pathname}${window.location.search}${hash}`;
    if (options?.replace) window.history.replaceState(null, "", url);
    else window.history.pushState(null, "", url);
    setRoute(parseRoute(hash));
  }, []);
  return [route, navigate];
}
