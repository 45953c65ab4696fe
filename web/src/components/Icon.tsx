// Line icons drawn as SVG (no icon font: nothing loads from outside, and no glyph can be missing).
const PATHS: Record<string, string> = {
  runs: "M3 4h10M3 8h10M3 12h10M1 4h.01M1 8h.01M1 12h.01",
  scalars: "M1.5 13.5l4-5 3 2.5 5.5-7.5M1.5 1.5v12h13",
  layers: "M8 1.5l6.5 3.5L8 8.5 1.5 5zM1.5 8L8 11.5 14.5 8M1.5 11L8 14.5 14.5 11",
  run: "M8 14.5A6.5 6.5 0 1 0 8 1.5a6.5 6.5 0 0 0 0 13zM8 7.2v4M8 4.8v.01",
};

export function Icon({ name }: { name: keyof typeof PATHS }) {
  return (
    <svg class="nav-icon" viewBox="0 0 16 16" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
      <path d={PATHS[name]} />
    </svg>
  );
}
