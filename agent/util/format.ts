/**
 * Number and duration formatting shared by explanations, the CLI and params-from-facts. Pure.
 */

/** 3478274491 → "3 478 274 491" (the grouping the VirtualBox log and the docs use). */
export function groupDigits(n: number): string {
  const neg = n < 0;
  const s = Math.round(Math.abs(n)).toString();
  const grouped = s.replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  return neg ? `−${grouped}` : grouped;
}

/** Signed ppm for people: "−22 472 ppm", "+152.6 ppm", "0 ppm". */
export function fmtPpm(ppm: number): string {
  if (Math.abs(ppm) < 0.05) return '0 ppm';
  const sign = ppm < 0 ? '−' : '+';
  const a = Math.abs(ppm);
  const body = a >= 1000 ? groupDigits(a) : a >= 1 ? a.toFixed(1) : a.toFixed(3);
  return `${sign}${body} ppm`;
}

/** Signed seconds with a sensible precision: "−6.74 s", "+19.9 s", "−0.7 ms" → uses ms below 1 s. */
export function fmtSignedSeconds(s: number): string {
  // Below what fmtSeconds can show, float noise would read as "−0.0 µs".
  if (Math.abs(s) < 5e-8) return '0 s';
  const sign = s < 0 ? '−' : s > 0 ? '+' : '';
  return `${sign}${fmtSeconds(Math.abs(s))}`;
}

/** Unsigned seconds: "293.26 s", "1.35 s", "12.0 ms", "15.2 h", "38.9 h". */
export function fmtSeconds(s: number): string {
  const a = Math.abs(s);
  if (a === 0) return '0 s';
  if (a < 1e-3) return `${(a * 1e6).toFixed(1)} µs`;
  if (a < 1) return `${(a * 1e3).toFixed(1)} ms`;
  if (a < 100) return `${a.toFixed(2)} s`;
  if (a < 7200) return `${a.toFixed(0)} s`;
  if (a < 3 * 86400) return `${(a / 3600).toFixed(1)} h`;
  if (a < 2 * 365 * 86400) return `${(a / 86400).toFixed(1)} d`;
  return `${(a / (365 * 86400)).toFixed(1)} y`;
}

/**
 * A duration as a person reads it off a clock, to the nearest second: 293.26 → "4:53", 293.6 → "4:54",
 * 299.9997 → "5:00" (a 1 ppm error must not read as a lost second).
 */
export function minutesSeconds(seconds: number): string {
  const whole = Math.round(seconds);
  const m = Math.floor(whole / 60);
  const s = whole - m * 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}

/** Seconds → "5m", "1d", "1y", "15.2 h" for headings. */
export function fmtDuration(seconds: number): string {
  for (const [u, v] of [['y', 365 * 86400], ['d', 86400], ['h', 3600], ['m', 60]] as const) {
    if (seconds >= v && Number.isInteger(seconds / v)) return `${seconds / v}${u}`;
  }
  return fmtSeconds(seconds);
}

/** A number for tables: digit groups for big ones, up to 6 significant digits otherwise. */
export function fmtNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1000) {
    const whole = groupDigits(Math.trunc(n));
    const frac = Math.abs(n - Math.trunc(n));
    return frac >= 0.05 ? `${whole}${frac.toFixed(1).slice(1)}` : whole;
  }
  return String(Number(n.toPrecision(6))).replace('-', '−');
}
