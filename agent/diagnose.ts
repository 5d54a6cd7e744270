/**
 * Facts in, diagnosis out: the one function `analyze`, `check` and the agent share, so the three can
 * never disagree. Pure apart from what it is given.
 */
import type { Facts } from './facts.js';
import { SEVERITY_RANK, type Finding } from './findings.js';
import type { AnalysisResult, InputStatus } from './result.js';
import type { SourceStatus } from './snapshot.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { VERSION } from './version.js';
import { runAnalyzers } from '../analyzers/index.js';
import type { Prediction } from '../simulator/prediction.js';
import { estimateHostTsc } from '../analyzers/host-tsc.js';
import { claimedRate, exposure } from '../analyzers/vbox-tsc.js';
import { guestSecondsPer300, mmss, secondsPerDay } from '../analyzers/util.js';

/**
 * Stand-in until simulator/params-from-facts.ts lands: the direct calculation
 * e = f_true / f_claimed − 1 for the clocksources the claim hits (issue 2 item 5 allows this).
 */
function predictFromFacts(facts: Facts): Prediction | null {
  const claim = claimedRate(facts);
  const est = estimateHostTsc(facts);
  if (claim === null || est.hz === null) return null;
  const exp = exposure(facts, claim);
  const ppm = (est.hz / claim.hz - 1) * 1e6;
  const clocks = ['kvm-clock', 'tsc', 'acpi_pm', 'hpet'];
  const per = clocks.map((cs) => {
    const affected = exp.hit.includes(cs);
    const p = affected ? ppm : 0;
    return { clocksource: cs, driftPpm: p, secondsPerDay: secondsPerDay(p), guestSecondsPer300: guestSecondsPer300(p), fiveMinutesReadsAs: mmss(guestSecondsPer300(p)), affected, contributions: affected ? [{ tag: 'tsc-frequency-claim', ppm: p, text: `claimed ${claim.hz} Hz, true ${est.hz} Hz`, assumption: est.strength === 'hint' }] : [] };
  });
  const cur = exp.guestClocksource ?? exp.hit[0] ?? null;
  const main = per.find((c) => c.clocksource === cur) ?? null;
  return {
    clocksource: cur,
    driftPpm: main?.driftPpm ?? null,
    secondsPerDay: main?.secondsPerDay ?? null,
    guestSecondsPer300: main?.guestSecondsPer300 ?? null,
    fiveMinutesReadsAs: main?.fiveMinutesReadsAs ?? null,
    perClocksource: per,
    corrected: null,
    explanation: [exp.text],
    assumptions: est.strength === 'hint' ? [`the true host TSC rate is taken from a hint: ${est.candidates[0]?.text ?? ''}`] : [],
  };
}

/** Context of a diagnosis: the files `analyze` read, or the collectors `check`/the agent ran. */
export interface DiagnoseContext {
  inputs?: InputStatus[];
  sources?: Record<string, SourceStatus>;
}

/** Critical first, then warning, then info; then by id; stable otherwise. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function diagnose(facts: Facts, ctx: DiagnoseContext = {}): AnalysisResult {
  const { findings, skipped } = runAnalyzers(facts);
  let prediction: AnalysisResult['prediction'] = null;
  try {
    prediction = predictFromFacts(facts);
  } catch (err) {
    // The model failing must not take the findings down with it; say so where the skips are listed.
    skipped.push({ analyzer: 'prediction', reason: `failed: ${err instanceof Error ? err.message : String(err)}` });
  }
  return {
    schemaVersion: 1,
    tool: { name: 'clockdoctor', version: VERSION },
    inputs: ctx.inputs ?? [],
    sources: ctx.sources ?? {},
    facts,
    prediction,
    findings: sortFindings(findings),
    skipped,
  };
}

/** Is this input status one that means "could not read it" (66) rather than "could not understand it" (65)? */
export function inputExitCode(input: InputStatus): ExitCode | null {
  if (input.status === 'not-recognised') return EXIT.dataErr;
  if (input.status === 'failed') return input.kind === null ? EXIT.noInput : EXIT.dataErr;
  return null;
}

/**
 * The exit code of a diagnosis. Precedence, chosen for scripts (documented in docs/json-schema.md):
 * 1. any input missing or unreadable → 66 — the run did not see what it was asked to see, so a
 *    "healthy" 0 would be a lie; fix the command line first;
 * 2. else any input not understood (unknown kind, parse failure) → 65;
 * 3. else by findings: 2 if any critical, 1 if any warning, else 0.
 * Findings are still printed (and in the JSON) in cases 1 and 2.
 */
export function exitCodeFor(result: AnalysisResult): ExitCode {
  const codes = result.inputs.map(inputExitCode);
  if (codes.includes(EXIT.noInput)) return EXIT.noInput;
  if (codes.includes(EXIT.dataErr)) return EXIT.dataErr;
  if (result.findings.some((f) => f.severity === 'critical')) return EXIT.critical;
  if (result.findings.some((f) => f.severity === 'warning')) return EXIT.warning;
  return EXIT.ok;
}
