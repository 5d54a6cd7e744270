/**
 * The rule families, listed explicitly (no directory scanning), and the runner that skips a family
 * whose evidence is absent — with the reason — instead of guessing.
 */
import type { Facts, FactKey } from '../agent/facts.js';
import type { Analyzer, AnalyzerContext, Finding } from '../agent/findings.js';
import type { SkippedAnalyzer } from '../agent/result.js';
import { derive, type Derived } from '../agent/derive/index.js';
import { vboxTscAnalyzer } from './vbox-tsc.js';
import { vboxEventsAnalyzer } from './vbox-events.js';
import { timeSyncAnalyzer } from './time-sync.js';
import { timeSyncStateAnalyzer } from './time-sync-state.js';
import { timeSyncOffsetAnalyzer } from './time-sync-offset.js';
import { clocksourceAnalyzer, ticksAnalyzer } from './clocksource.js';
import { tscSyncAnalyzer } from './tsc-sync.js';
import { tscWatchdogAnalyzer } from './tsc-watchdog.js';
import { kernelTimeAnalyzer } from './kernel-time.js';
import { vmwareAnalyzer } from './vmware.js';
import { vmwareToolsAnalyzer } from './vmware-tools.js';
import { clockCompareAnalyzer } from './clock-compare.js';
import { hypervTimeSyncAnalyzer } from './hyperv-timesync.js';
import { predictionAnalyzer } from './prediction.js';

export const ANALYZERS: readonly Analyzer[] = [
  vboxTscAnalyzer,
  vboxEventsAnalyzer,
  timeSyncAnalyzer,
  timeSyncStateAnalyzer,
  timeSyncOffsetAnalyzer,
  clocksourceAnalyzer,
  ticksAnalyzer,
  tscSyncAnalyzer,
  tscWatchdogAnalyzer,
  kernelTimeAnalyzer,
  vmwareAnalyzer,
  vmwareToolsAnalyzer,
  clockCompareAnalyzer,
  hypervTimeSyncAnalyzer,
  // Last: it judges the prediction the report shows, with every other family's findings known.
  predictionAnalyzer,
];

/** Human name of a fact section (its source name) for skip reasons. */
const sourceName = (k: FactKey): string => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export interface AnalyzerRun {
  findings: Finding[];
  skipped: SkippedAnalyzer[];
}

/**
 * Run every analyzer whose needs are met; an analyzer that throws is reported as skipped, never fatal.
 * `ctx.prediction` is the model's prediction from the same derived values (diagnose passes it).
 */
export function runAnalyzers(facts: Facts, derived: Derived = derive(facts), analyzers: readonly Analyzer[] = ANALYZERS, ctx: AnalyzerContext = { prediction: null }): AnalyzerRun {
  const findings: Finding[] = [];
  const skipped: SkippedAnalyzer[] = [];
  for (const a of analyzers) {
    const missing = a.needs.filter((k) => facts[k] === null);
    if (missing.length > 0) {
      skipped.push({ analyzer: a.id, reason: `no ${missing.map(sourceName).join(', ')} evidence` });
      continue;
    }
    if (a.needsAny !== undefined && a.needsAny.length > 0 && a.needsAny.every((k) => facts[k] === null)) {
      skipped.push({ analyzer: a.id, reason: `needs one of: ${a.needsAny.map(sourceName).join(', ')}` });
      continue;
    }
    try {
      for (const f of a.run(facts, derived, ctx)) {
        // A non-finite number from a mangled input must not reach JSON (it would become null silently) or metrics.
        if (f.data) for (const [k, v] of Object.entries(f.data)) if (typeof v === 'number' && !Number.isFinite(v)) f.data[k] = null;
        findings.push(f);
      }
    } catch (err) {
      skipped.push({ analyzer: a.id, reason: `failed: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
  return { findings, skipped };
}
