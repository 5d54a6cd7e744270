/**
 * The result of a diagnosis, shared by `analyze`, `check`, `fix` and the agent. Its JSON form is the
 * documented schema (docs/json-schema.md); `schemaVersion` changes only with a breaking change.
 */
import type { Facts } from './facts.js';
import type { Finding } from './findings.js';
import type { SourceStatus } from './snapshot.js';
import type { Prediction } from '../simulator/prediction.js';

/** Kinds `analyze` recognises from a file's content (never from its name). */
export type InputKind =
  | 'vbox-log'
  | 'kernel-log'
  | 'cpuinfo'
  | 'timer-list'
  | 'current-clocksource'
  | 'available-clocksource'
  | 'capture-dir';

export interface InputStatus {
  path: string;
  kind: InputKind | null;
  /** `ok` parsed; `not-recognised` unknown content; `failed` unreadable or unparsable; `skipped` e.g. a second file of a kind already given. */
  status: 'ok' | 'not-recognised' | 'failed' | 'skipped';
  message?: string;
  lines?: number;
}

export interface SkippedAnalyzer {
  analyzer: string;
  reason: string;
}

export interface AnalysisResult {
  schemaVersion: 1;
  tool: { name: 'clockdoctor'; version: string };
  /** Files given to `analyze` (empty for `check`). */
  inputs: InputStatus[];
  /** Collector status for `check` / the agent (empty for `analyze`). */
  sources: Record<string, SourceStatus>;
  facts: Facts;
  prediction: Prediction | null;
  /** Sorted: critical, warning, info; then by id. */
  findings: Finding[];
  skipped: SkippedAnalyzer[];
}
