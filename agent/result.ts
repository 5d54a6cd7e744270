/**
 * The result of a diagnosis, shared by `analyze`, `check`, `fix` and the agent. Its JSON form is the
 * documented schema (docs/json-schema.md); `schemaVersion` changes only with a breaking change.
 */
import type { Facts, KindName } from './facts.js';
import type { Finding } from './findings.js';
import type { SourceStatus } from './snapshot.js';
import type { Prediction } from '../simulator/prediction.js';
import type { Derived } from './derive/index.js';

/**
 * What `analyze` found an input to be: the kind of evidence it holds most of (a kind's name), or a
 * container — `capture-dir` (a `clockdoctor collect` capture), `directory`, `archive`.
 */
export type InputKind = KindName | 'capture-dir' | 'directory' | 'archive';

export interface InputStatus {
  path: string;
  /** The kind most of its lines were (null when none). */
  kind: InputKind | null;
  /** Every kind found in it, most lines first (a paste may hold several). */
  kinds: KindName[];
  /**
   * `ok` evidence read; `no-evidence` text with nothing about clocks in it; `not-recognised` not text
   * clockdoctor can read (binary, an unknown compression); `failed` missing, unreadable, or its
   * evidence could not be parsed; `skipped` not read on purpose (a link, the same file twice).
   */
  status: 'ok' | 'no-evidence' | 'not-recognised' | 'failed' | 'skipped';
  message?: string;
  lines?: number;
  /** Which subject (machine) its evidence went to, when it had any. */
  subject?: string;
}

export interface SkippedAnalyzer {
  analyzer: string;
  reason: string;
}

/**
 * One machine (or one boot of one) the evidence is about. Inputs about one VM — its host's VBox.log
 * and its guest's dmesg — make one subject; two kernel logs of two machines make two.
 */
export interface SubjectResult {
  /** `s1`, `s2`, … in the order their first input was given. */
  id: string;
  /** What tells it apart: the host or kernel it names, else its first input. */
  label: string;
  inputs: string[];
  facts: Facts;
  derived: Derived;
  prediction: Prediction | null;
  /** Sorted: critical, warning, info; then by id. */
  findings: Finding[];
  skipped: SkippedAnalyzer[];
}

export interface AnalysisResult {
  schemaVersion: 1;
  tool: { name: 'clockdoctor'; version: string };
  /** Files given to `analyze` (empty for `check`). */
  inputs: InputStatus[];
  /** Collector status for `check` / the agent (empty for `analyze`). */
  sources: Record<string, SourceStatus>;
  /** Every subject; the first is also the top-level `facts`, `derived`, `prediction`, `skipped`. */
  subjects: SubjectResult[];
  facts: Facts;
  derived: Derived;
  prediction: Prediction | null;
  /** Every subject's findings (each names its subject), sorted: critical, warning, info; then by id. */
  findings: Finding[];
  skipped: SkippedAnalyzer[];
  /** Things the reader should know about the run itself (the bundled example was analysed, …). */
  notes: string[];
}
