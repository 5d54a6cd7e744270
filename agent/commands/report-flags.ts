/**
 * Flags and terminal settings the report-printing commands share. Kept apart from analyze.ts so that
 * `check`, `agent` and `simulate` do not load analyze's file-input pipeline to parse one flag.
 */
import { UsageError } from '../errors.js';
import { printable } from '../util/sanitize.js';
import type { ReportOptions } from '../outputs/report.js';

/** `--host-tsc-hz`: an integer number of Hz between 1 MHz and 100 GHz (digit groups `_`/`,`/space allowed). */
export function parseHostTscHz(raw: string | number | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const text = String(raw).trim().replace(/[_, ]/g, '');
  if (!/^\d+$/.test(text)) throw new UsageError(`--host-tsc-hz must be a whole number of Hz (e.g. 3400109000), got "${printable(String(raw))}"`);
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1e6 || n > 1e11) throw new UsageError(`--host-tsc-hz must be between 1000000 (1 MHz) and 100000000000 (100 GHz), got ${text}`);
  return n;
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
