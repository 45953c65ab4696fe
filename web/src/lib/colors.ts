// One colour per run, everywhere: a hash of the run id picks from a palette, so a run keeps its
// colour across views, reloads and other runs coming and going.

/** Distinct hues that read well on white (Tableau 10, darkened where too light, plus 10 deeper ones); no greys. */
export const PALETTE: readonly string[] = [
  "#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1",
  "#2e9e98", "#d4a514", "#e0607e", "#9c755f", "#3b5bdb",
  "#c45a00", "#1f4e79", "#a4262c", "#2f6f2a", "#7b4f73",
  "#17a2b8", "#8c6d1f", "#ae3ec9", "#6b4a35", "#5c940d",
];

/** 32-bit FNV-1a of a string's UTF-16 code units. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function runColor(runId: string): string {
  return PALETTE[fnv1a(runId) % PALETTE.length]!;
}

/** `#rrggbb` with an alpha, as `rgba(...)` (for faint raw lines and fills). */
export function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
