/** Up to n items spread evenly over the list, always the first and the last. */
export function pickEvenly<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return [...items];
  if (n <= 1) return items.length ? [items[items.length - 1]!] : [];
  const out: T[] = [];
  let prev = -1;
  for (let k = 0; k < n; k++) {
    const i = Math.round((k * (items.length - 1)) / (n - 1));
    if (i !== prev) out.push(items[i]!);
    prev = i;
  }
  return out;
}
