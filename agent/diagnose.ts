/**
 * Facts in, diagnosis out: the one function `analyze`, `check` and the agent share, so the three can
 * never disagree. Per machine: derive once (agent/derive), predict with the model from the derived
 * values, run the rules with the same derived values. Pure apart from what it is given.
 */
import type { Facts } from './facts.js';
import { SEVERITY_RANK, type Finding } from './findings.js';
import type { AnalysisResult, InputStatus, SkippedAnalyzer, SubjectResult } from './result.js';
import type { SourceStatus } from './snapshot.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { VERSION } from './version.js';
import { derive } from './derive/index.js';
import { runAnalyzers } from '../analyzers/index.js';
import { predictFromFacts } from '../simulator/params-from-facts.js';

/** Context of a diagnosis: the files `analyze` read, or the collectors `check`/the agent ran. */
export interface DiagnoseContext {
  inputs?: InputStatus[];
  sources?: Record<string, SourceStatus>;
  notes?: string[];
}

/** One machine's evidence to diagnose. */
export interface SubjectInput {
  id: string;
  inputs: string[];
  facts: Facts;
}

/** Critical first, then warning, then info; then by id; stable otherwise. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** What tells a subject apart in a report: the host or kernel it names, else its first input. */
function labelOf(s: SubjectInput): string {
  const k = s.facts.kernelLog;
  const v = s.facts.vbox;
  if (v?.vmName) return `VM "${v.vmName}"`;
  if (k?.kernelVersion) return `Linux ${k.kernelVersion}${k.dmi ? ` (${k.dmi.split(',')[0]})` : ''}`;
  return s.inputs[0] ?? 'this machine';
}

/** Diagnose one machine. */
export function diagnoseSubject(s: SubjectInput): SubjectResult {
  const derived = derive(s.facts);
  const skipped: SkippedAnalyzer[] = [];
  let prediction: SubjectResult['prediction'] = null;
  try {
    prediction = predictFromFacts(s.facts, derived);
  } catch (err) {
    // The model failing must not take the findings down with it; say so where the skips are listed.
    skipped.push({ analyzer: 'prediction', reason: `failed: ${err instanceof Error ? err.message : String(err)}` });
  }
  // One derivation: the rules see the very prediction the report shows (analyzers/prediction.ts judges it).
  const run = runAnalyzers(s.facts, derived, undefined, { prediction });
  return {
    id: s.id,
    label: labelOf(s),
    inputs: s.inputs,
    facts: s.facts,
    derived,
    prediction,
    findings: sortFindings(run.findings),
    skipped: [...run.skipped, ...skipped],
  };
}

/** Diagnose every machine the evidence is about; the first one also fills the top-level fields. */
export function diagnoseSubjects(subjects: readonly SubjectInput[], ctx: DiagnoseContext = {}): AnalysisResult {
  const results = subjects.map(diagnoseSubject);
  const first = results[0]!;
  const many = results.length > 1;
  const findings = sortFindings(results.flatMap((r) => r.findings.map((f) => (many ? { ...f, subject: r.id } : f))));
  return {
    schemaVersion: 1,
    tool: { name: 'clockdoctor', version: VERSION },
    inputs: ctx.inputs ?? [],
    sources: ctx.sources ?? {},
    subjects: results,
    facts: first.facts,
    derived: first.derived,
    prediction: first.prediction,
    findings,
    skipped: first.skipped,
    notes: ctx.notes ?? [],
  };
}

/** Diagnose the one machine `facts` describe (check, the agent, fix). */
export function diagnose(facts: Facts, ctx: DiagnoseContext = {}): AnalysisResult {
  return diagnoseSubjects([{ id: 's1', inputs: (ctx.inputs ?? []).map((i) => i.path), facts }], ctx);
}

/** The exit code an input that was not read calls for: 66 could not read it (missing, unreadable), 65 could not understand it; null otherwise. */
export function inputExitCode(input: InputStatus): ExitCode | null {
  if (input.status === 'not-recognised' || input.status === 'no-evidence') return EXIT.dataErr;
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
 * 2. else no input understood at all (all without evidence, unknown, or unparsable) → 65; one input
 *    without clock evidence beside others that have some does not stop the diagnosis;
 * 3. else by findings: 2 if any critical, 1 if any warning, else 0.
 * Findings are still printed (and in the JSON) in cases 1 and 2.
 */
export function exitCodeFor(result: AnalysisResult): ExitCode {
  const codes = result.inputs.map(inputExitCode);
  if (codes.includes(EXIT.noInput)) return EXIT.noInput;
  // One collector that cannot read does not change the verdict; none that could is no diagnosis at all.
  if (nothingCollected(result)) return EXIT.noInput;
  if (result.inputs.length > 0 && !result.inputs.some((i) => i.status === 'ok')) return EXIT.dataErr;
  if (result.findings.some((f) => f.severity === 'critical')) return EXIT.critical;
  if (result.findings.some((f) => f.severity === 'warning')) return EXIT.warning;
  return EXIT.ok;
}
