/**
 * `chronyc sources` and `chronyc sourcestats` rows, text and `-c` CSV (client.c). Pure.
 *
 *     MS Name/IP address         Stratum Poll Reach LastRx Last sample
 *     ===============================================================================
 *     #* PHC0                          0   3   377    12  -2082ns[  +15us] +/- 3465ns
 *     ^? 108.61.215.221.vultruser>     0   6     0     -     +0ns[   +0ns] +/-    0ns
 *
 * Offsets print with a unit (`%S`: ns, us, ms, s, m, h, d, y), LastRx as `%I` (seconds, or `35m`,
 * `2h`, `5d`, `3y`, `-` for never). chrony before 1.25 had no Reach column; chrony < 4 printed
 * `210 Number of sources = N` above the table.
 */
import type { ChronySource, ChronySourceState, ChronySourceStats } from './facts.js';
import { excerpt } from '../text/lines.js';

/** Sub-second units as powers of ten (so `15us` is exactly the double nearest 15e-6), longer ones as factors. */
const EXP: Record<string, number> = { ns: -9, us: -6, ms: -3, s: 0 };
const FACTOR: Record<string, number> = { m: 60, h: 3600, d: 86_400, y: 365 * 86_400 };

/** `-2082ns` → −2.082e-6; `+15us`; `3465ns`; `+1.5s`; `+12m`. */
export function seconds(value: string | undefined, unit: string | undefined): number | null {
  if (value === undefined || unit === undefined) return null;
  const e = EXP[unit];
  const v = e !== undefined ? Number(`${value}e${e}`) : Number(value) * (FACTOR[unit] ?? Number.NaN);
  return Number.isFinite(v) ? v : null;
}

/** `%I`: `12`, `35m`, `2h`, `5d`, `3y`, `-`. */
export function interval(text: string): number | null {
  const m = /^(\d+)([mhdy]?)$/.exec(text);
  if (m === null) return null;
  return Number(m[1]) * ({ '': 1, m: 60, h: 3600, d: 86_400, y: 365 * 86_400 } as Record<string, number>)[m[2]!]!;
}

const STATE: Record<string, ChronySourceState> = { '*': 'selected', '+': 'combined', '-': 'not-combined', x: 'falseticker', '~': 'jittery', '?': 'unusable', ' ': 'unknown' };
const MODE: Record<string, ChronySource['mode']> = { '^': 'server', '=': 'peer', '#': 'refclock' };

const OFF = String.raw`([+-]?\d+(?:\.\d+)?)(ns|us|ms|s|m|h|d|y)`;
const SOURCE_ROW = new RegExp(String.raw`^\s*([\^=#])([*+\-?x~ ]) (\S+)\s+(\d+)\s+(-?\d+)\s+(?:([0-7]{1,3})\s+)?(\d+[mhdy]?|-)\s+${OFF}\s*\[\s*${OFF}\]\s+\+\/-\s+${OFF}\s*$`);
/** `-c sources`: mode,state,name,stratum,poll,reach(octal),lastrx,offset,measured,error. */
const SOURCE_CSV = /^\s*([\^=#]),([*+\-?x~ ]),([^,\s]+),(\d+),(-?\d+),([0-7]{1,3}),(\d+),(-?\d+\.\d+),(-?\d+\.\d+),(\d+\.\d+)\s*$/;

/** A `chronyc sources` row (text or CSV), or null. */
export function sourceRow(line: string, lineNo: number): ChronySource | null {
  const m = SOURCE_ROW.exec(line);
  if (m !== null) {
    return {
      line: lineNo, excerpt: excerpt(line), mode: MODE[m[1]!] ?? 'unknown', state: STATE[m[2]!] ?? 'unknown', name: m[3]!,
      stratum: Number(m[4]), pollLog2: Number(m[5]), reach: m[6] === undefined ? null : Number.parseInt(m[6], 8),
      lastRxSeconds: interval(m[7]!), offsetSeconds: seconds(m[8], m[9]), measuredOffsetSeconds: seconds(m[10], m[11]), errorSeconds: seconds(m[12], m[13]),
    };
  }
  const c = SOURCE_CSV.exec(line);
  if (c === null) return null;
  return {
    line: lineNo, excerpt: excerpt(line), mode: MODE[c[1]!] ?? 'unknown', state: STATE[c[2]!] ?? 'unknown', name: c[3]!,
    stratum: Number(c[4]), pollLog2: Number(c[5]), reach: Number.parseInt(c[6]!, 8), lastRxSeconds: Number(c[7]),
    offsetSeconds: Number(c[8]), measuredOffsetSeconds: Number(c[9]), errorSeconds: Number(c[10]),
  };
}

/** The header line of `chronyc sources` (any width). */
export const SOURCES_HEADER = /^\s*MS Name\/IP address\s+Stratum Poll(?: Reach)? LastRx Last sample\s*$/;
/** `chronyc sources -v`'s legend above the header: each of its lines is chrony's. */
const SOURCES_LEGEND: readonly RegExp[] = [
  /^\s*\.-- Source mode\s+'\^' = server/,
  /^\s*\/ \.- Source state '\*' = current best/,
  /^\s*\| \/\s+'x' = may be in error/,
  /^\s*\|\|.*(?:xxxx|yyyy|zzzz|Reachability register|Log2\(Polling interval\))/,
  /^\s*\|\|\s+\|\s+\|\s+\\\s*$/,
];

/** True for a line of `chronyc sources -v`'s legend. */
export function sourcesLegend(line: string): boolean {
  return SOURCES_LEGEND.some((re) => re.test(line));
}

/** `210 Number of sources = 4` (chrony < 4). */
export const SOURCES_COUNT = /^\s*210 Number of sources = (\d+)\s*$/;
/** The header line of `chronyc sourcestats` (any width). */
export const SOURCESTATS_HEADER = /^\s*Name\/IP Address\s+NP\s+NR\s+Span\s+Frequency\s+Freq Skew\s+Offset\s+Std Dev\s*$/;
/** `chronyc sourcestats -v`'s legend (its last line, only pipes, counts only after the others). */
const SOURCESTATS_LEGEND = /(?:\.- Number of sample points in measurement set\.|\.- Number of residual runs with same sign\.|\.- Length of measurement set \(time\)\.|\.- Est\. clock freq error \(ppm\)\.|\.- Est\. error in freq\.|\.- Est\. offset\.|\|\s+On the -\.|\|\s+samples\. \\)\s*$/;

/** True for a line of `chronyc sourcestats -v`'s legend. */
export function sourcestatsLegend(line: string): boolean {
  return SOURCESTATS_LEGEND.test(line);
}

/** The `=====` rule under a header. */
export const RULE = /^\s*={20,}\s*$/;

const STATS_ROW = new RegExp(String.raw`^\s*(\S+)\s+(\d+)\s+(\d+)\s+(\d+[mhdy]?)\s+([+-]?\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+${OFF}\s+(\d+(?:\.\d+)?)(ns|us|ms|s|m|h|d|y)\s*$`);

/** A `chronyc sourcestats` row, or null. Only read below its header or its command: the shape alone is not chrony's. */
export function sourcestatsRow(line: string, lineNo: number): ChronySourceStats | null {
  const m = STATS_ROW.exec(line);
  if (m === null) return null;
  return {
    line: lineNo, excerpt: excerpt(line), name: m[1]!, samples: Number(m[2]), runs: Number(m[3]), spanSeconds: interval(m[4]!),
    frequencyPpm: Number(m[5]), skewPpm: Number(m[6]), offsetSeconds: seconds(m[7], m[8]), stdDevSeconds: seconds(m[9], m[10]),
  };
}
