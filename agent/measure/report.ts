/**
 * The result of `clockdoctor measure` as data (its `--json` form) and as text. Pure.
 */
import type { Measurement } from './sampler.js';
import type { RunOutcome } from './run.js';
import { fmtPpm, type AbsorbCheck, type ModelComparison, type TscFix } from './verdict.js';
import { printable } from '../util/sanitize.js';

/**
 * Exit codes of `clockdoctor measure` (docs/measure.md). 69 and 76 are BSD sysexits
 * EX_UNAVAILABLE and EX_PROTOCOL.
 */
export const MEASURE_EXIT = {
  /** Measured; the drift is within what the running time-sync daemon can absorb. */
  ok: 0,
  /** Measured; the drift is beyond what the running daemon can absorb (or nothing corrects it). */
  beyond: 1,
  usage: 64,
  /** The reference is not there: no answer, refused, denied (KoD DENY/RSTR), no device, no program. */
  unavailable: 69,
  internal: 70,
  /** The reference answered, but nothing it sent was usable (malformed, unsynchronised, KoD RATE…). */
  protocol: 76,
  /** Interrupted (Ctrl-C) before enough samples for a drift: 128 + SIGINT. */
  interrupted: 130,
} as const;

export interface MeasureReport {
  schemaVersion: 1;
  reference: string;
  durationSeconds: number;
  intervalSeconds: number;
  precision: string;
  method: Measurement['method'];
  samples: number;
  attempts: number;
  failedPolls: Record<string, number>;
  outliers: number;
  spanSeconds: number;
  /** Rate error of this clock vs the reference, ppm (> 0 fast). */
  driftPpm: number | null;
  /** 3σ (99.7 %) half-width (fit) or chrony's skew (stated), ppm. */
  uncertaintyPpm: number | null;
  /** Seconds this clock gains (+) or loses (−) per day at that rate. */
  secondsPerDay: number | null;
  /** Reference − this clock now, seconds (> 0: this clock is behind). */
  offsetNowSeconds: number | null;
  steps: Measurement['steps'];
  noiseSeconds: number | null;
  medianDelaySeconds: number | null;
  referenceDetail: Record<string, string | number> | null;
  model: ModelComparison | null;
  /** Why there is no model comparison, when there is none. */
  modelNote: string | null;
  absorb: AbsorbCheck | null;
  tscFix: TscFix | null;
  tscFixNote: string | null;
  /** Set when no drift could be measured. */
  error: string | null;
  exitCode: number;
}

export function exitCodeFor(outcome: RunOutcome, absorb: AbsorbCheck | null): number {
  if (outcome.interrupted && outcome.measurement.driftPpm === null) return MEASURE_EXIT.interrupted;
  if (outcome.failure && outcome.measurement.driftPpm === null) {
    const k = outcome.failure.kind;
    return k === 'rejected' || k === 'rate-limited' ? MEASURE_EXIT.protocol : MEASURE_EXIT.unavailable;
  }
  return absorb?.beyond ? MEASURE_EXIT.beyond : MEASURE_EXIT.ok;
}

/** Offsets beyond this are worth a word of their own. */
const FAR_OFFSET_SECONDS = 1000;

function fmtSeconds(s: number): string {
  const a = Math.abs(s);
  if (a >= 86400 * 365) return `${(s / (86400 * 365)).toFixed(2)} years`;
  if (a >= 86400) return `${(s / 86400).toFixed(2)} days`;
  if (a >= 1) return `${s.toFixed(3)} s`;
  if (a >= 1e-3) return `${(s * 1e3).toFixed(3)} ms`;
  return `${(s * 1e6).toFixed(1)} µs`;
}

const signed = (s: number): string => (s > 0 ? `+${fmtSeconds(s)}` : fmtSeconds(s));

/** The human report. Everything that came from the reference goes through printable(). */
export function formatReport(r: MeasureReport): string {
  const out: string[] = [];
  const p = (k: string, v: string): void => {
    out.push(`  ${k.padEnd(11)} ${v}`);
  };
  out.push(`clockdoctor measure — ${printable(r.reference)}: ${r.samples} sample(s) over ${r.spanSeconds.toFixed(1)} s (${r.attempts} polls)`);
  out.push('');
  if (r.driftPpm === null) {
    out.push(`  no drift measured: ${printable(r.error ?? 'too few samples')}`);
  } else {
    const unc = r.uncertaintyPpm === null ? '(uncertainty unknown: too few samples)' : `± ${fmtPpm(r.uncertaintyPpm).replace('+', '')} ppm${r.method === 'stated' ? " (chrony's skew)" : ' (3σ)'}`;
    const way = r.driftPpm > 0 ? 'fast' : 'slow';
    p('drift', `${fmtPpm(r.driftPpm)} ${unc} — this clock runs ${way}: ${signed(r.secondsPerDay ?? 0)}/day`);
    if (r.method === 'stated') p('', "chrony's Frequency: the uncorrected clock's error, which chronyd is correcting");
  }
  if (r.offsetNowSeconds !== null) {
    p('offset now', `${signed(r.offsetNowSeconds)} (${r.offsetNowSeconds >= 0 ? 'this clock is behind the reference' : 'this clock is ahead of the reference'})`);
  }
  if (r.steps.length === 0) p('steps', 'none seen');
  for (const s of r.steps) {
    const what = s.kind === 'local-clock' ? `this clock was stepped ${signed(s.sizeSeconds)}` : `the reference jumped ${signed(s.sizeSeconds)} (not this clock): do not trust it`;
    p('step', `at ${s.atSeconds.toFixed(1)} s: ${what}`);
  }
  const failed = Object.entries(r.failedPolls).map(([k, n]) => `${n} ${k}`).join(', ');
  const noise = r.noiseSeconds === null ? '' : `noise ${fmtSeconds(r.noiseSeconds)}; `;
  const delay = r.medianDelaySeconds === null ? '' : `median delay ${fmtSeconds(r.medianDelaySeconds)}; `;
  p('quality', `${noise}${delay}${r.outliers} outlier(s); ${failed || 'no failed polls'}`);
  if (r.error && r.driftPpm !== null) p('note', printable(r.error));
  if (r.offsetNowSeconds !== null && Math.abs(r.offsetNowSeconds) > FAR_OFFSET_SECONDS) {
    p('note', `this clock and the reference differ by more than ${FAR_OFFSET_SECONDS} s: one of them is badly wrong (a restored saved state, a wrong RTC, or a bad reference)`);
  }
  if (r.model) p('model', r.model.text);
  else if (r.modelNote) p('model', printable(r.modelNote));
  if (r.absorb) p('verdict', r.absorb.text);
  if (r.tscFix) {
    const f = r.tscFix;
    out.push('');
    out.push('VirtualBox with the KVM paravirt provider: the true TSC rate is the rate the guest believes × (1 + measured error)');
    out.push(`  ${f.believedTscHz} Hz × (1 ${f.errorPpm < 0 ? '−' : '+'} ${Math.abs(f.errorPpm / 1e6).toFixed(7)}) = ${f.correctedTscTicksPerSecond} Hz`);
    out.push('  On the host:');
    for (const c of f.commands) out.push(`    ${c}`);
    for (const n of f.notes) out.push(`  note: ${printable(n)}`);
  } else if (r.tscFixNote) {
    out.push('');
    out.push(`  ${printable(r.tscFixNote)}`);
  }
  return `${out.join('\n')}\n`;
}

/** One progress line for a TTY: a bar, time, samples, the running estimate. */
export function progressLine(elapsed: number, total: number, m: Measurement, width = 24): string {
  const frac = total > 0 ? Math.min(1, Math.max(0, elapsed / total)) : 1;
  const fill = Math.round(frac * width);
  const bar = `${'#'.repeat(fill)}${'-'.repeat(width - fill)}`;
  const est = m.driftPpm === null ? '' : `  ${fmtPpm(m.driftPpm)}${m.uncertaintyPpm === null ? '' : ` ± ${fmtPpm(m.uncertaintyPpm).replace('+', '')}`} ppm`;
  return `[${bar}] ${elapsed.toFixed(0)}/${total.toFixed(0)} s  ${m.samples} samples${est}`;
}
