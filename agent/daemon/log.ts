/** The agent's log: one logfmt line per event on stderr (journald adds the time), input made printable. */
import { printable } from '../util/sanitize.js';

export type LogLevel = 'info' | 'warn' | 'error';

export function logLine(level: LogLevel, msg: string, out: (line: string) => void = (l) => process.stderr.write(l)): void {
  out(`level=${level} msg=${JSON.stringify(printable(msg))}\n`);
}
