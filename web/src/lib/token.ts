// The access token arrives once in the page URL (?token=...), then lives in sessionStorage so it
// is neither bookmarked nor left in the address bar.

export const TOKEN_KEY = "deepscope.token";

export interface TokenStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** Token from the URL's query (stored) or from storage; and the query without it. */
export function takeToken(search: string, store: TokenStore): { token: string | null; search: string } {
  const params = new URLSearchParams(search);
  const fromUrl = params.get("token");
  if (fromUrl) {
    store.setItem(TOKEN_KEY, fromUrl);
    params.delete("token");
  }
  const rest = params.toString();
  return { token: fromUrl || store.getItem(TOKEN_KEY), search: rest ? `?${rest}` : "" };
}
