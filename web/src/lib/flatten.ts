// Nested config/system objects as dotted keys (`optimizer.name`), the way filters address them.

export type Flat = Record<string, unknown>;

export function flatten(value: unknown, prefix = "", out: Flat = {}): Flat {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Every key of every flattened object, sorted. */
export function unionKeys(objects: readonly Flat[]): string[] {
  const keys = new Set<string>();
  for (const o of objects) for (const k of Object.keys(o)) keys.add(k);
  return [...keys].sort();
}
