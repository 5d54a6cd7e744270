/**
 * `clockdoctor measure --reference REF [--duration 60s] [--interval 1s] [--json]` — measure this
 * clock's drift against a reference, compare it with the model's prediction for this guest, and on
 * VirtualBox with the KVM provider print the corrected TSCTicksPerSecond. Exit codes: see
 * MEASURE_EXIT (agent/measure/report.ts) and docs/measure.md.
 */
import type { Argv, CommandModule } from 'yargs';
import { collectorSetup, parseDurationMs, withCollectorOptions, type CollectorArgs } from './collector-options.js';
import { collectSnapshot } from '../collect.js';
import { diagnose } from '../diagnose.js';
import { InputError, UsageError } from '../errors.js';
import type { Facts } from '../facts.js';
import type { Prediction } from '../../simulator/prediction.js';
import { REFERENCE_FORMS, openReference } from '../measure/open-reference.js';
import { runMeasurement, type RunOptions, type RunOutcome } from '../measure/run.js';
import { exitCodeFor, formatReport, MEASURE_EXIT, progressLine, type MeasureReport } from '../measure/report.js';
import { absorbCheck, compareWithModel, tscFix } from '../measure/verdict.js';
import { printable } from '../util/sanitize.js';
import { DEFAULT_ROOTS, type Roots } from '../roots.js';
import { loggerFromArgs, withLogOptions, type LogArgs, type Logger } from '../daemon/log.js';

interface MeasureArgs extends CollectorArgs, LogArgs {
  reference: string;
  duration: string;
  interval: string;
  timeout?: string;
  json: boolean;
  model: boolean;
  'max-drift-ppm'?: number;
}

/** Shorter intervals would flood a server and measure our own event loop more than the clock. */
const MIN_INTERVAL_MS = 50;

/** Everything `measure` needs, already validated. */
export interface MeasureOptions {
  reference: string;
  durationMs: number;
  intervalMs: number;
  timeoutMs?: number;
  json: boolean;
  /** Collect this guest's evidence and compare with the model (off: --no-model). */
  model: boolean;
  maxDriftPpm: number | null;
  roots?: Roots;
  collectors?: Set<string>;
  collectTimeoutMs?: number;
}

export interface MeasureIO {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  signal?: AbortSignal;
  /** For tests: the clock and the reference of the run (simulated time and server); see RunOptions. */
  run?: Pick<RunOptions, 'clock' | 'open'>;
  /** `--log.level` / `--log.format`: start and end of the run as log lines (debug). */
  log?: Logger;
}

async function modelFor(opts: MeasureOptions): Promise<{ facts: Facts | null; prediction: Prediction | null; note: string | null }> {
  if (!opts.model) return { facts: null, prediction: null, note: 'not compared (--no-model)' };
  try {
    const snap = await collectSnapshot(opts.roots ?? DEFAULT_ROOTS, {
      collectors: opts.collectors,
      timeoutMs: opts.collectTimeoutMs,
      live: true,
    });
    const result = diagnose(snap.facts, { sources: snap.sources });
    const note = result.prediction?.driftPpm == null ? 'the model has no prediction for this guest (the evidence it needs — e.g. VBox.log or the kernel log — is not available here)' : null;
    return { facts: snap.facts, prediction: result.prediction, note };
  } catch (err) {
    return { facts: null, prediction: null, note: `could not collect this guest's evidence: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Run `measure` with validated options; returns the exit code. Never throws for a reference's misbehaviour. */
export async function runMeasureCommand(opts: MeasureOptions, io: MeasureIO): Promise<number> {
  // Fail on a malformed --reference before spending a minute on anything.
  (io.run?.open ?? openReference)(opts.reference, { roots: opts.roots }).close();
  const tty = io.stderr.isTTY === true;
  let lastLen = 0;
  // Collect before sampling, not alongside: the collectors (the clock-read-cost one spins on the
  // clock) would delay replies in this process and show up as noise in the measurement.
  io.log?.debug('measuring', { reference: opts.reference, duration_seconds: opts.durationMs / 1000, interval_seconds: opts.intervalMs / 1000 });
  if (tty && opts.model) io.stderr.write("collecting this guest's evidence for the model…");
  const modelP = await modelFor(opts);
  if (tty && opts.model) io.stderr.write('\r\x1b[K');
  const outcome: RunOutcome = await runMeasurement({
    reference: opts.reference,
    durationMs: opts.durationMs,
    intervalMs: opts.intervalMs,
    timeoutMs: opts.timeoutMs,
    roots: opts.roots,
    signal: io.signal,
    ...io.run,
    onProgress: tty
      ? (p) => {
          const line = progressLine(p.elapsedSeconds, p.durationSeconds, p.measurement);
          io.stderr.write(`\r${line}${' '.repeat(Math.max(0, lastLen - line.length))}`);
          lastLen = line.length;
        }
      : undefined,
  });
  if (tty && lastLen > 0) io.stderr.write(`\r${' '.repeat(lastLen)}\r`);
  const { facts, prediction, note } = modelP;
  const m = outcome.measurement;
  const absorb = absorbCheck(m, facts, opts.maxDriftPpm);
  const fix = tscFix(m, facts);
  const model = compareWithModel(m, prediction);
  const report: MeasureReport = {
    schemaVersion: 1,
    reference: m.reference,
    durationSeconds: opts.durationMs / 1000,
    intervalSeconds: outcome.intervalMs / 1000,
    precision: outcome.precision,
    method: m.method,
    samples: m.samples,
    attempts: outcome.attempts,
    failedPolls: { ...outcome.failures } as Record<string, number>,
    outliers: m.outliers,
    spanSeconds: m.spanSeconds,
    driftPpm: m.driftPpm,
    uncertaintyPpm: m.uncertaintyPpm,
    secondsPerDay: m.driftPpm === null ? null : (m.driftPpm * 86400) / 1e6,
    offsetNowSeconds: m.offsetNowSeconds,
    steps: m.steps,
    noiseSeconds: m.noiseSeconds,
    medianDelaySeconds: m.medianDelaySeconds,
    referenceDetail: m.referenceDetail,
    model,
    modelNote: model ? null : m.driftPpm === null ? null : note ?? 'the model has no prediction to compare with',
    absorb,
    tscFix: fix.fix,
    tscFixNote: fix.why,
    error: outcome.failure?.message ?? null,
    exitCode: 0,
  };
  report.exitCode = exitCodeFor(outcome, absorb);
  io.log?.debug('measured', { reference: opts.reference, samples: m.samples, drift_ppm: m.driftPpm ?? undefined, uncertainty_ppm: m.uncertaintyPpm ?? undefined, exit_code: report.exitCode });
  if (opts.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else io.stdout.write(formatReport(report));
  if (report.driftPpm === null && report.error) io.stderr.write(`clockdoctor: measure: ${printable(report.error)}\n`);
  return report.exitCode;
}

/** Flags → options; UsageError on nonsense. */
export function measureOptionsFrom(argv: Partial<MeasureArgs>): MeasureOptions {
  if (typeof argv.reference !== 'string' || argv.reference === '') throw new UsageError(`--reference is required (${REFERENCE_FORMS})`);
  if (argv.from !== undefined) throw new UsageError('measure runs on this machine; --from (a capture) cannot be measured');
  const durationMs = parseDurationMs(argv.duration ?? '60s', '--duration');
  const intervalMs = parseDurationMs(argv.interval ?? '1s', '--interval');
  if (intervalMs < MIN_INTERVAL_MS) throw new UsageError(`--interval ${argv.interval} is too short: at least ${MIN_INTERVAL_MS}ms (and ≥ 16s against public NTP servers)`);
  if (durationMs < 2 * intervalMs) throw new UsageError(`--duration ${argv.duration} is too short for --interval ${argv.interval}: a drift needs at least 3 samples`);
  const timeoutMs = argv.timeout === undefined ? undefined : parseDurationMs(argv.timeout, '--timeout');
  const max = argv['max-drift-ppm'];
  if (max !== undefined && !(Number.isFinite(max) && max >= 0)) throw new UsageError('--max-drift-ppm must be a number ≥ 0');
  const setup = collectorSetup(argv);
  return {
    reference: argv.reference,
    durationMs,
    intervalMs,
    timeoutMs,
    json: argv.json === true,
    model: argv.model !== false,
    maxDriftPpm: max ?? null,
    roots: setup.roots,
    collectors: setup.collectors,
    collectTimeoutMs: setup.timeoutMs,
  };
}

export const measureCommand: CommandModule<object, MeasureArgs> = {
  command: 'measure',
  describe: 'measure this clock against a reference: drift ± uncertainty, offset, steps; compare with the model; the VirtualBox TSC fix',
  builder: (y: Argv) =>
    withLogOptions(withCollectorOptions(y))
      .option('reference', { type: 'string', demandOption: true, describe: `what to measure against: ${REFERENCE_FORMS}` })
      .option('duration', { type: 'string', default: '60s', describe: 'how long to sample (e.g. 30s, 5m)' })
      .option('interval', { type: 'string', default: '1s', describe: 'time between samples (use ≥ 16s against public NTP servers)' })
      .option('timeout', { type: 'string', describe: 'time limit per sample (default: the interval, at most 2s)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON (for scripts)' })
      .option('model', { type: 'boolean', default: true, describe: "collect this guest's evidence and compare with the model (--no-model to skip)" })
      .option('max-drift-ppm', { type: 'number', describe: 'exit 1 above this drift instead of the running daemon’s limit' })
      .epilogue(
        'Exit codes: 0 drift within what the running time-sync daemon absorbs, 1 beyond it (or nothing corrects it), 64 usage, ' +
          '69 reference unavailable (no answer, refused, KoD DENY/RSTR, no device), 76 reference answered but nothing usable, 130 interrupted before a drift. Docs: docs/measure.md',
      ) as unknown as Argv<MeasureArgs>,
  handler: async (argv) => {
    const opts = measureOptionsFrom(argv);
    const ac = new AbortController();
    // Ctrl-C ends the run early and still reports what was measured.
    const onInt = (): void => ac.abort();
    process.once('SIGINT', onInt);
    try {
      process.exitCode = await runMeasureCommand(opts, { stdout: process.stdout, stderr: process.stderr, signal: ac.signal, log: loggerFromArgs(argv) });
    } catch (err) {
      if (err instanceof UsageError || err instanceof InputError) throw err;
      process.stderr.write(`clockdoctor: measure: internal error: ${printable(err instanceof Error ? err.message : String(err))}\n`);
      process.exitCode = MEASURE_EXIT.internal;
    } finally {
      process.off('SIGINT', onInt);
    }
  },
};
