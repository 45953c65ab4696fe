// Client-side reading of config filters, for feedback only: the string itself is sent to the
// server as `filter=`, which parses it (deepscope.query.filters.parse_filter). Nothing here
// evaluates anything.

export const OPERATORS = ["<=", ">=", "!=", "==", "=", "<", ">", "~"] as const;

export type FilterCheck =
  | { ok: true; key: string; op: string; value: string; numeric: boolean }
  | { ok: false; message: string };

// Same shape as the server's pattern: key, operator, non-empty value.
const PATTERN = /^\s*([^<>=!~]+?)\s*(<=|>=|!=|==|=|<|>|~)\s*(.*?)\s*$/;

/** Is `text` of the form `key op value`? Returns its parts for a chip, or why not. */
export function checkFilter(text: string): FilterCheck {
  const m = PATTERN.exec(text);
  if (!m || !m[3]) {
    return {
      ok: false,
      message: "expected `key op value` with op one of < <= > >= = != ~, e.g. `lr < 0.01` or `optimizer.name = adam`",
    };
  }
  const key = m[1]!.replace(/^config\./, "");
  const op = m[2] === "==" ? "=" : m[2]!;
  const raw = m[3];
  const quoted = raw.length >= 2 && raw[0] === raw[raw.length - 1] && (raw[0] === "'" || raw[0] === '"');
  const value = quoted ? raw.slice(1, -1) : raw;
  const numeric = !quoted && raw.trim() !== "" && Number.isFinite(Number(raw));
  if ((op === "<" || op === "<=" || op === ">" || op === ">=") && !numeric) {
    return { ok: false, message: `"${op}" compares numbers: "${raw}" is not a number` };
  }
  return { ok: true, key, op, value, numeric };
}

/** A filter in one canonical spelling (so the same filter is not added twice). */
export function normalizeFilter(text: string): string | null {
  const check = checkFilter(text);
  return check.ok ? `${check.key} ${check.op} ${check.value}` : null;
}
