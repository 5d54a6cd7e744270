/**
 * Rates and their human forms — ppm, seconds per day, "5:00 reads as m:ss" — one definition for the
 * findings, the derived values and the report, so no two of them can round a number differently.
 */
import { groupDigits, minutesSeconds } from './format.js';
import { KERNEL_MAXFREQ } from './timekeeping.js';

/**
 * Kernel PLL / adjtime() limit that ntpd, timesyncd and VBoxService's adjtime share (timex.h MAXFREQ),
 * in ppm: the same constant the model uses (util/timekeeping.ts).
 */
export const KERNEL_SLEW_PPM = KERNEL_MAXFREQ * 1e6;

/** Rate error in ppm of a clock believed to tick at `believedHz` that really ticks at `actualHz`. */
export function rateErrorPpm(actualHz: number, believedHz: number): number {
  return (actualHz / believedHz - 1) * 1e6;
}

export const secondsPerDay = (ppm: number): number => (ppm * 86_400) / 1e6;

/** What a 300 s stopwatch on the guest shows after 300 s of real time. */
export const guestSecondsPer300 = (ppm: number): number => 300 * (1 + ppm / 1e6);

/** `m:ss` as the model writes it (one definition, so findings and predictions never disagree). */
export const mmss = (seconds: number): string => minutesSeconds(seconds);

/** `-22 472 ppm` with thin grouping like VBox.log prints it; `+` for positive. */
export function fmtPpm(ppm: number): string {
  const r = Math.round(ppm);
  return `${r > 0 ? '+' : r < 0 ? '−' : ''}${groupDigits(Math.abs(r))} ppm`;
}

export const fmtHz = (hz: number): string => `${groupDigits(hz)} Hz`;

export const fmtGhz = (hz: number, digits = 2): string => `${(hz / 1e9).toFixed(digits)} GHz`;

/** "loses 32 min 22 s per day" / "gains 4.3 s per day". */
export function fmtPerDay(ppm: number): string {
  const spd = secondsPerDay(ppm);
  const verb = spd < 0 ? 'loses' : 'gains';
  return `${verb} ${fmtDuration(Math.abs(spd))} per day`;
}

/** 1 h 2 min, 32 min 22 s, 4.3 s, 86 ms. */
export function fmtDuration(s: number): string {
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

/** Percentage with sign: `+2.3 %`. */
export function fmtPercent(ppm: number, digits = 1): string {
  const p = ppm / 1e4;
  return `${p > 0 ? '+' : p < 0 ? '−' : ''}${Math.abs(p).toFixed(digits)} %`;
}

