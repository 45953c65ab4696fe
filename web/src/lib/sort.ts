// Sorting table rows by any column: numbers numerically, text naturally, blanks always last.

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

export function compareValues(a: unknown, b: unknown): number {
  const aBlank = isBlank(a);
  const bBlank = isBlank(b);
  if (aBlank || bBlank) return aBlank === bBlank ? 0 : aBlank ? 1 : -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  return collator.compare(String(a), String(b));
}

function isBlank(v: unknown): boolean {
  return v === null || v === undefined || v === "" || (typeof v === "number" && Number.isNaN(v));
}

/** `sort` is a column key, prefixed with "-" for descending. Blanks stay last either way. */
export function sortRows<T>(rows: readonly T[], sort: string, value: (row: T, key: string) => unknown): T[] {
  if (!sort) return [...rows];
  const desc = sort.startsWith("-");
  const key = desc ? sort.slice(1) : sort;
  return rows
    .map((row, i) => ({ row, i, v: value(row, key) }))
    .sort((x, y) => {
      const blank = Number(isBlank(x.v)) - Number(isBlank(y.v));
      if (blank !== 0) return blank;
      const c = compareValues(x.v, y.v);
      return (desc ? -c : c) || x.i - y.i;
    })
    .map((e) => e.row);
}

/** Next sort after clicking a column header: ascending, descending, then off. */
export function nextSort(current: string, key: string): string {
  if (current === key) return `-${key}`;
  if (current === `-${key}`) return "";
  return key;
}
