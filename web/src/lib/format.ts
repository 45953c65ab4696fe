// Numbers, durations and times for people.

export function formatNumber(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined) return "–";
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  if (value === 0) return "0";
  const abs = Math.abs(value);
  if (Number.isInteger(value) && abs < 1e9) return value.toLocaleString("en-US");
  if (abs >= 1e5 || abs < 1e-3) {
    const [mantissa = "", exponent = ""] = value.toExponential(Math.max(digits - 2, 1)).split("e");
    return `${Number(mantissa)}e${exponent.replace("+", "")}`;
  }
  return Number(value.toPrecision(digits)).toString();
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "–";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function formatTime(epochSeconds: number | null | undefined): string {
  if (epochSeconds === null || epochSeconds === undefined) return "–";
  const d = new Date(epochSeconds * 1000);
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A config or system value as text (objects and arrays as compact JSON). */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return "–";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : formatNumber(value, 6);
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "true" : "false";
  return JSON.stringify(value);
}

/** Counts in few characters: 950, 29k, 1.2M. */
export function formatCompact(value: number): string {
  const abs = Math.abs(value);
  if (abs < 1000) return String(Math.round(value));
  if (abs < 1e6) return `${Number((value / 1e3).toPrecision(abs < 1e4 ? 2 : 3))}k`;
  if (abs < 1e9) return `${Number((value / 1e6).toPrecision(abs < 1e7 ? 2 : 3))}M`;
  return `${Number((value / 1e9).toPrecision(3))}G`;
}
