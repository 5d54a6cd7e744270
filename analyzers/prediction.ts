/**
 * Rules about the model's own numbers, so the verdict can never contradict the prediction (issue 11 §4).
 *
 * The prediction is computed once per diagnosis from the same derived values every rule reads
 * (agent/diagnose.ts runs the model, then passes its prediction to the rules in `AnalyzerContext`):
 * these rules judge the very numbers the report prints, never a second computation of them.
 *
 * PREDICTED_DRIFT_EXCEEDS_CORRECTOR: the clocksource in use is predicted to drift more than the
 * time-sync daemons running can absorb (500 ppm for ntpd, systemd-timesyncd and adjtime-based
 * services; chrony's maxdrift 100 000 ppm; 500 ppm when no corrector is known) — at least a warning,
 * whatever other rule has or has not named the cause.
 *
 * USER_HOST_TSC_HZ_CONTRADICTS_EVIDENCE: `--host-tsc-hz` is a rate the evidence rules out
 * (agent/derive/user-rate.ts); the model ignored it instead of predicting from it.
 */
import { FACT_KEYS, type Facts } from '../agent/facts.js';
import type { Analyzer, AnalyzerContext, EvidenceItem, Finding, Fix, Severity } from '../agent/findings.js';
import type { Derived } from '../agent/derive/index.js';
import type { Prediction } from '../simulator/prediction.js';
import { groupDigits } from '../agent/util/format.js';
import { dedupe, fmtPerDay, fmtPpm, plainEvidence } from './util.js';

/** Beyond this no daemon can follow a rate error (chrony's maxdrift default). */
export const BEYOND_ANY_CORRECTOR_PPM = 100_000;

function evidenceOf(d: Derived, p: Prediction): EvidenceItem[] {
  const items = dedupe([...(d.tsc.claimed?.evidence ?? []), ...d.clocksource.currentEvidence]);
  if (items.length > 0) return items;
  return [plainEvidence('user', `predicted: ${p.clocksource ?? 'the guest clocksource'} ${fmtPpm(p.driftPpm ?? 0)}`)];
}

function fixesOf(facts: Facts, p: Prediction, ppm: number): Fix[] {
  const fixes: Fix[] = [{ where: 'host', summary: 'Fix the rate error at its source — the other findings name it (the TSC rate the hypervisor gives the guest, the clocksource in use); no time-sync daemon can hide an error it cannot follow.' }];
  const chrony = (facts.timesync?.daemons ?? []).some((d) => d.name === 'chronyd') || (p.corrected?.correctors ?? []).includes('chrony');
  if (Math.abs(ppm) < BEYOND_ANY_CORRECTOR_PPM && !chrony) {
    fixes.push({ where: 'guest', summary: 'Meanwhile run chrony in the guest: it follows rate errors up to 100 000 ppm, where ntpd and systemd-timesyncd stop at 500 ppm.', command: 'sudo apt-get install -y chrony' });
  }
  return fixes;
}

/** PREDICTED_DRIFT_EXCEEDS_CORRECTOR. */
export function driftExceedsCorrector(facts: Facts, d: Derived, p: Prediction | null): Finding[] {
  if (p === null || p.driftPpm === null || p.absorb === null || p.absorb === undefined || p.absorb.beyond !== true) return [];
  const ppm = p.driftPpm;
  const a = p.absorb;
  const cs = p.clocksource ?? 'every clocksource the guest can use';
  const hinted = d.tsc.host.strength === 'hint' || p.assumptions.some((x) => /true host TSC rate .* is a hint/.test(x));
  const severity: Severity = Math.abs(ppm) > BEYOND_ANY_CORRECTOR_PPM && !hinted ? 'critical' : 'warning';
  const who = a.by === 'none' ? 'no time-sync daemon is known to run, and even NTP\'s kernel discipline follows only' : `${a.by} can absorb only`;
  const detail = [
    `The model predicts ${fmtPpm(ppm)} for ${cs}: the guest clock ${fmtPerDay(ppm)}, and 5:00 of real time reads as ${p.fiveMinutesReadsAs ?? '?'}${p.reference === 'host-clock' ? ' (against the host\'s clock)' : ''}.`,
    ...p.explanation.filter((x) => !x.startsWith(`${p.clocksource ?? ''} `)).slice(0, 4).map((x) => `${x.charAt(0).toUpperCase()}${x.slice(1)}${/[.!)]$/.test(x) ? '' : '.'}`),
    p.corrected !== null ? `With ${p.corrected.correctors.join(' + ')}: ${p.corrected.text}.` : '',
    hinted ? 'The true host TSC rate behind this number is a hint, not a measurement: give --host-tsc-hz to make it one.' : '',
  ].filter((x) => x.length > 0).join(' ');
  return [{
    id: 'PREDICTED_DRIFT_EXCEEDS_CORRECTOR',
    severity,
    title: `The predicted drift of ${cs}, ${fmtPpm(ppm)}, is more than time sync can absorb: ${who} ${groupDigits(a.ppm)} ppm`,
    detail,
    evidence: evidenceOf(d, p),
    fixes: fixesOf(facts, p, ppm),
    data: { driftPpm: Math.round(ppm * 10) / 10, clocksource: p.clocksource, absorbPpm: a.ppm, absorbBy: a.by, correctedPattern: p.corrected?.pattern ?? null, hinted },
  }];
}

/** USER_HOST_TSC_HZ_CONTRADICTS_EVIDENCE. */
export function userRateContradicts(d: Derived): Finding[] {
  const u = d.tsc.user;
  if (u === null || u.accepted) return [];
  return [{
    id: 'USER_HOST_TSC_HZ_CONTRADICTS_EVIDENCE',
    severity: 'warning',
    title: `--host-tsc-hz ${groupDigits(u.hz)} contradicts the evidence, so the prediction does not use it`,
    detail: `The value given is not used: ${u.why}. A wrong value would have the model predict a drift nobody sees; the prediction rests on the evidence alone instead.`,
    evidence: [plainEvidence('user', `--host-tsc-hz ${u.hz}`), ...(u.against !== null ? [plainEvidence('user', `${u.against.what}: ${groupDigits(u.against.hz)} Hz`)] : [])],
    fixes: [{
      where: 'host',
      summary: 'Measure the host\'s TSC rate and pass it in Hz: on a Linux host the kernel prints it (`tsc: Refined TSC clocksource calibration: 3400.109 MHz` is 3400109000); on Windows take the CPU\'s base frequency, or leave the flag out.',
      command: "dmesg | grep -E 'tsc: (Refined TSC clocksource calibration|Detected)'",
    }],
    data: { userHz: u.hz, againstHz: u.against?.hz ?? null, ppm: u.ppm === null ? null : Math.round(u.ppm) },
  }];
}

export const predictionAnalyzer: Analyzer = {
  id: 'prediction',
  needs: [],
  // The model predicts from any evidence that identifies the machine; with none there is nothing to judge.
  needsAny: FACT_KEYS,
  run: (facts: Facts, d: Derived, ctx?: AnalyzerContext) => [...driftExceedsCorrector(facts, d, ctx?.prediction ?? null), ...userRateContradicts(d)],
};
