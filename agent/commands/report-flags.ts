/**
 * Flags and terminal settings the report-printing commands share. Kept apart from analyze.ts so that
 * `check`, `agent` and `simulate` do not load analyze's file-input pipeline to parse one flag.
 */
import { UsageError } from '../errors.js';
import { printable } from '../util/sanitize.js';
import { parseFrequencyHz } from '../util/units.js';
import type { ReportOptions } from '../outputs/report.js';

/**
 * `--host-tsc-hz` (and simulate's `--claimed-tsc-hz` / `--true-tsc-hz`): a rate in whole Hz, as
 * {@link parseFrequencyHz} reads it — `3400109000`, `3_400_109_000`, `3400.109MHz`, `3.4GHz`.
 * Undefined when the flag was not given; a usage error naming the flag otherwise.
 */
export function parseHostTscHz(raw: string | number | undefined, flag = '--host-tsc-hz'): number | undefined {
  if (raw === undefined) return undefined;
  const r = parseFrequencyHz(String(raw));
  if (!r.ok) throw new UsageError(`${flag} "${printable(String(raw))}": ${r.error}`);
  return r.value;
}

/** Colour only on a TTY, never with NO_COLOR (any value) or --no-color. */
export function useColor(flag: boolean, isTty: boolean, env: NodeJS.ProcessEnv): boolean {
  return flag && isTty && env.NO_COLOR === undefined;
}

/** The width reports and --help wrap to: the terminal's, at most 110; 100 when stdout is not a terminal. */
export function terminalWidth(): number {
  return Math.min(110, process.stdout.columns || 100);
}

/** Report options for printing to stdout, given the `--color` flag. */
export function stdoutReportOptions(colorFlag: boolean): ReportOptions {
  return { color: useColor(colorFlag, process.stdout.isTTY === true, process.env), width: terminalWidth() };
}
