/**
 * `chronyc -c tracking` (CSV) → ChronyTracking. Pure.
 *
 * The CSV prints chrony's signed raw values (client.c): System time > 0 = the clock is slow of NTP
 * time; Frequency > 0 = the clock would run fast without chronyd (anchors.md §2.2). Kept as printed.
 */
import type { ChronyTracking } from './facts.js';
import { ParseError } from '../../errors.js';

const FIELDS = 14;

function num(v: string | undefined, what: string, path: string | null, line: number): number {
  if (v === undefined || !/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(v.trim())) {
    throw new ParseError(`chronyc tracking: ${what} is not a number: ${JSON.stringify(v ?? '')}`, line, path);
  }
  const n = Number(v);
  // `1e999` or 400 digits match the pattern but are no double: a fact is finite or not given.
  if (!Number.isFinite(n)) throw new ParseError(`chronyc tracking: ${what} is out of range: ${JSON.stringify(v.trim().slice(0, 40))}`, line, path);
  return n;
}

/** Parse the first non-empty line of `chronyc -c tracking`. Throws ParseError on anything else. */
export function parseChronyTracking(text: string, path: string | null = null): ChronyTracking {
  const lines = text.split('\n');
  const idx = lines.findIndex((l) => l.trim() !== '');
  if (idx < 0) throw new ParseError('chronyc tracking: empty output', 1, path);
  const lineNo = idx + 1;
  const f = (lines[idx] ?? '').trim().split(',');
  if (f.length < FIELDS) throw new ParseError(`chronyc tracking: expected ${FIELDS} comma-separated fields, got ${f.length}`, lineNo, path);
  // The reference name is the only free-text field; take the numbers from the end so a comma in it cannot shift them.
  const n = f.length;
  return {
    referenceId: f[0] ?? '',
    referenceName: f.slice(1, n - 12).join(','),
    stratum: num(f[n - 12], 'stratum', path, lineNo),
    refTimeSeconds: num(f[n - 11], 'ref time', path, lineNo),
    systemTimeOffsetSeconds: num(f[n - 10], 'system time', path, lineNo),
    lastOffsetSeconds: num(f[n - 9], 'last offset', path, lineNo),
    rmsOffsetSeconds: num(f[n - 8], 'RMS offset', path, lineNo),
    frequencyPpm: num(f[n - 7], 'frequency', path, lineNo),
    residualFrequencyPpm: num(f[n - 6], 'residual frequency', path, lineNo),
    skewPpm: num(f[n - 5], 'skew', path, lineNo),
    rootDelaySeconds: num(f[n - 4], 'root delay', path, lineNo),
    rootDispersionSeconds: num(f[n - 3], 'root dispersion', path, lineNo),
    updateIntervalSeconds: num(f[n - 2], 'update interval', path, lineNo),
    leapStatus: f[n - 1] ?? '',
  };
}
