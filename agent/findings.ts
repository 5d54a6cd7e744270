/**
 * What analyzers return: a diagnosis with its evidence and its fixes.
 */
import type { Facts, FactKey } from './facts.js';
import type { Derived } from './derive/index.js';
import type { Prediction } from '../simulator/prediction.js';

export type Severity = 'info' | 'warning' | 'critical';

/** Severity order for sorting: critical first. */
export const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

export type { EvidenceItem } from './evidence/kind.js';
import type { EvidenceItem } from './evidence/kind.js';

/**
 * A change `clockdoctor fix --apply` may make on the guest itself. Structured, never a shell string,
 * so nothing taken from a log can become something that runs.
 */
export type FixAction = { kind: 'set-clocksource'; clocksource: string };

/** A fix: a summary a person reads and, when there is one, a command to paste (already shell-quoted). */
export interface Fix {
  summary: string;
  command?: string;
  where: 'guest' | 'host';
  /** Present when `clockdoctor fix --apply` can carry this fix out on the running guest. */
  action?: FixAction;
}

export interface Finding {
  /** Stable UPPER_SNAKE id, e.g. `VBOX_TSC_FREQUENCY_MISMATCH`. Scripts key on it. */
  id: string;
  severity: Severity;
  title: string;
  /** Longer explanation in plain sentences (why, and what it means for the clock). */
  detail?: string;
  evidence: EvidenceItem[];
  fixes: Fix[];
  /** Machine-readable numbers behind the finding (ppm, Hz, seconds per day, ...). */
  data?: Record<string, number | string | boolean | null>;
  /** Which subject (machine) it is about, when `analyze` was given evidence of several (`s1`, `s2`). */
  subject?: string;
}

/**
 * What a rule may read besides the facts and the derived values: the model's prediction, computed once
 * per diagnosis from the same derived values (agent/diagnose.ts), so a rule about the prediction judges
 * the very numbers the report shows.
 */
export interface AnalyzerContext {
  prediction: Prediction | null;
}

/** A rule family: declares the fact sections it needs; skipped with a reason when they are absent. */
export interface Analyzer {
  id: string;
  needs: readonly FactKey[];
  /** Needs at least one of these (empty = no such condition). */
  needsAny?: readonly FactKey[];
  run(facts: Facts, derived: Derived, ctx?: AnalyzerContext): Finding[];
}
