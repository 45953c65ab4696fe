import { useMemo, useState } from "preact/hooks";
import { flatten } from "../lib/flatten";
import { formatValue } from "../lib/format";
import { matchesSearch, naturalCompare } from "../lib/groups";

/** A nested object as a flat, searchable key/value table (every value rendered as text). */
export function KeyValueTable({ value, empty = "Nothing recorded.", searchable = false }: { value: unknown; empty?: string; searchable?: boolean }) {
  const [search, setSearch] = useState("");
  const rows = useMemo(() => Object.entries(flatten(value)).sort(([a], [b]) => naturalCompare(a, b)), [value]);
  const shown = search ? rows.filter(([k, v]) => matchesSearch(`${k} ${formatValue(v)}`, search)) : rows;
  if (rows.length === 0) return <div class="empty small">{empty}</div>;
  return (
    <div>
      {searchable && rows.length > 8 && (
        <input class="input input-small" type="search" placeholder="Filter keys" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
      )}
      <table class="table kv-table">
        <tbody>
          {shown.map(([k, v]) => (
            <tr key={k}>
              <th scope="row" class="mono">{k}</th>
              <td class="mono">{formatValue(v)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
