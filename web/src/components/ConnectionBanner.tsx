import { ApiError } from "../api/client";
import { useApp } from "../appContext";

/** Says why nothing shows when the server refuses us or cannot be reached. */
export function ConnectionBanner() {
  const { runsError } = useApp();
  if (!runsError) return null;
  if (runsError instanceof ApiError && (runsError.status === 401 || runsError.status === 403)) {
    return (
      <div class="banner banner-error banner-top">
        <strong>This dashboard needs its access token.</strong> Open the address that <code>deepscope serve</code> printed
        (it ends in <code>?token=…</code>). The server said: {runsError.message}
      </div>
    );
  }
  if (!(runsError instanceof ApiError)) {
    return (
      <div class="banner banner-error banner-top">
        <strong>Cannot reach the deepscope server.</strong> Is <code>deepscope serve</code> still running? ({runsError.message})
      </div>
    );
  }
  return null;
}
