/**
 * Small helpers every rule shares: evidence from a section's line refs, rate arithmetic and the
 * human forms of it (ppm, seconds per day, "5:00 reads as m:ss").
 */
import type { LineRef, SectionBase, VboxFacts } from '../agent/facts.js';
import type { EvidenceItem, Fix } from '../agent/findings.js';
import { shellQuote } from '../agent/util/shell-quote.js';
import { KERNEL_MAXFREQ } from '../simulator/constants.js';
import { groupDigits, minutesSeconds } from '../agent/util/format.js';

export { dedupe, evidenceOr, lineEvidence, plainEvidence, refEvidence, type SourceName } from '../agent/evidence/quote.js';




/**
 * Kernel PLL / adjtime() limit that ntpd, timesyncd and VBoxService's adjtime share (timex.h MAXFREQ),
 * in ppm: the model's own constant, so rules and simulation never disagree on it.
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

/** Note for a fix summary when the VM name had to be a placeholder. */
const VM_NAME_NOTE = ' The log does not name the VM: replace VM_NAME with its name (VBoxManage list vms).';

/**
 * The VM name ready to paste into a shell, and the note to append to a fix summary that uses it
 * (empty when the log named the VM; otherwise it says how to replace the placeholder).
 */
export function vmNameArg(vbox: VboxFacts | null): { arg: string; note: string } {
  const name = vbox?.vmName ?? null;
  if (name === null || name.length === 0) return { arg: 'VM_NAME', note: VM_NAME_NOTE };
  return { arg: shellQuote(name), note: '' };
}

/** A guest fix that switches the running guest to `clocksource` until the next boot; `fix --apply` can carry it out. */
export function setClocksourceFix(clocksource: string, summary: string): Fix {
  return {
    where: 'guest',
    summary,
    command: `echo ${clocksource} | sudo tee /sys/devices/system/clocksource/clocksource0/current_clocksource`,
    action: { kind: 'set-clocksource', clocksource },
  };
}

/** `--paravirt-provider` (7.0+) or the older `--paravirtprovider` spelling. */
export function paravirtFlag(vbox: VboxFacts | null): string {
  const major = vbox?.version ? Number.parseInt(vbox.version, 10) : Number.NaN;
  return major >= 7 ? '--paravirt-provider' : '--paravirtprovider';
}


