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
import { predictFromFacts } from '../simulator/params-from-facts.js';

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

/** The exit code an input that was not read calls for: 66 could not read it (missing, unreadable), 65 could not understand it; null when read. */
export function inputExitCode(input: InputStatus): ExitCode | null {
  if (input.status === 'not-recognised') return EXIT.dataErr;
  if (input.status === 'failed') return input.kind === null ? EXIT.noInput : EXIT.dataErr;
  return null;
}

/** `check` ran collectors and not one of them read anything. */
function nothingCollected(result: AnalysisResult): boolean {
  const states = Object.values(result.sources);
  return result.inputs.length === 0 && states.length > 0 && !states.some((st) => st.state === 'ok');
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
  // One collector that cannot read does not change the verdict; none that could is no diagnosis at all.
  if (nothingCollected(result)) return EXIT.noInput;
  if (codes.includes(EXIT.dataErr)) return EXIT.dataErr;
  if (result.findings.some((f) => f.severity === 'critical')) return EXIT.critical;
  if (result.findings.some((f) => f.severity === 'warning')) return EXIT.warning;
  return EXIT.ok;
}
