/**
 * The `--json` document: the stable shape of issue 2 (documented key by key in docs/json-schema.md).
 *
 * Every section is present: an absent section is `null`, and a present section lists every key of its
 * type (a fact the evidence does not state is `null`, never left out and never guessed). Sections are
 * written in FACT_KEYS order so the output diffs cleanly.
 */
import { FACT_KEYS, type Facts } from '../facts.js';
import type { AnalysisResult } from '../result.js';
import { exitCodeFor } from '../diagnose.js';

/** The document `clockdoctor analyze --json` prints (schemaVersion 1). */
export interface JsonDocument {
  schemaVersion: 1;
  tool: AnalysisResult['tool'];
  /** The exit code the command returns, so a consumer of the file alone knows the verdict. */
  exitCode: number;
  inputs: { path: string; kind: string | null; kinds: string[]; status: string; message: string | null; lines: number | null; subject: string | null }[];
  sources: AnalysisResult['sources'];
  /** Every machine the evidence is about; the first one's facts, derived values and prediction are the top level. */
  subjects: JsonSubject[];
  facts: Record<string, unknown>;
  derived: unknown;
  prediction: AnalysisResult['prediction'];
  findings: AnalysisResult['findings'];
  skipped: AnalysisResult['skipped'];
  notes: string[];
}

/** One subject: its id, label and inputs; the second and later ones also carry their own diagnosis. */
export interface JsonSubject {
  id: string;
  label: string;
  inputs: string[];
  facts?: Record<string, unknown>;
  derived?: unknown;
  prediction?: AnalysisResult['prediction'];
  skipped?: AnalysisResult['skipped'];
}

/** `undefined` → `null` recursively, so no key of a present object silently disappears from JSON. */
function nullify(v: unknown): unknown {
  if (v === undefined) return null;
  if (Array.isArray(v)) return v.map(nullify);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = nullify(x);
    return out;
  }
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  return v;
}

function factsJson(facts: Facts): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of FACT_KEYS) out[k] = nullify(facts[k]);
  out.user = nullify(facts.user);
  return out;
}

export function toJsonDocument(result: AnalysisResult): JsonDocument {
  return {
    schemaVersion: 1,
    tool: result.tool,
    exitCode: exitCodeFor(result),
    inputs: result.inputs.map((i) => ({ path: i.path, kind: i.kind, kinds: i.kinds, status: i.status, message: i.message ?? null, lines: i.lines ?? null, subject: i.subject ?? null })),
    sources: result.sources,
    subjects: result.subjects.map((s, k) => (k === 0
      ? { id: s.id, label: s.label, inputs: s.inputs }
      : { id: s.id, label: s.label, inputs: s.inputs, facts: factsJson(s.facts), derived: nullify(s.derived), prediction: nullify(s.prediction) as AnalysisResult['prediction'], skipped: s.skipped })),
    facts: factsJson(result.facts),
    derived: nullify(result.derived),
    prediction: nullify(result.prediction) as AnalysisResult['prediction'],
    findings: nullify(result.findings) as AnalysisResult['findings'],
    skipped: result.skipped,
    notes: result.notes,
  };
}

/**
 * JSON.stringify escapes C0 controls but leaves DEL, C1 controls (which some terminals treat as CSI)
 * and the bidi/line-separator characters raw; `--json` goes to terminals too, so escape them as well.
 * The result is the same JSON value.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The document as text (two-space indent, trailing newline). */
export function renderJson(result: AnalysisResult): string {
  const text = JSON.stringify(toJsonDocument(result), null, 2).replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `${text}\n`;
}
