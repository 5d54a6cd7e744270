/**
 * The kernel log prefix zoo (formats.md §1.1): find where the message starts, its monotonic timestamp
 * and which shape the line has. Anchored sticky regexes, picked by the line's first character, so a
 * line costs one or two regex executions.
 */
import { safeInt } from '../../util/numbers.js';

/** Line shapes, matching `KernelLogFacts.format`. */
export type KernelLogShape = 'dmesg' | 'dmesg-raw' | 'dmesg-x' | 'dmesg-ctime' | 'kmsg' | 'syslog' | 'journal' | 'plain';

export interface SplitLine {
  /** The message text, prefixes removed (right-trimmed). */
  msg: string;
  /** Monotonic seconds from a `[ sss.uuuuuu]` stamp or a /dev/kmsg record; null when not printed. */
  ts: number | null;
  /** True when the stamp reads exactly zero (`[    0.000000]`, kmsg usec 0). */
  tsZero: boolean;
  shape: KernelLogShape;
  /** Syslog/journal tag (`kernel`, `systemd[1]`), when the line has one. */
  tag: string | null;
}

const KMSG = /(\d{1,3}),(\d+),(\d+),[-c+][^;]*;/y;
const RAW = /<\d{1,3}>/y;
const DMESG_X = /[a-z]{2,8}\s*:[a-z]{3,7}\s*:\s/y;
// BSD syslog / journalctl short, short-precise and short-full (`Tue 2020-01-14 11:50:08 CET`); up to two
// words (host, facility.level) may stand before the tag.
// OpenWrt's logread puts the weekday first and the year after the clock (`Tue Mar  8 13:19:34 2022 kern.info kernel:`).
const SYSLOG_BSD = /(?:[A-Z][a-z]{2} (?:[A-Z][a-z]{2} )?[ \d]?\d|[A-Z][a-z]{2} \d{4}-\d\d-\d\d) \d\d:\d\d:\d\d(?:\.\d+)?(?: \d{4})?(?: [A-Z]{2,5})?\s+(?:\S+\s+){0,2}?([^\s:[\]]+(?:\[\d+\])?):\s?/y;
const SYSLOG_ISO = /\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?\s+(?:(\S+)\s+)??([^\s:[\]]+(?:\[\d+\])?):\s?/y;
/** `dmesg --time-format iso`: a comma before the microseconds and no syslog tag after it. */
const DMESG_ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d,\d+(?:Z|[+-]\d\d:?\d\d)?\s/y;
const STAMP = /\[\s*(\+?)(\d+)\.(\d+)(?:\s*<[\s\d.]+>)?\]\s?/y;
// Day and month names are localised (`[Di Jan 14 11:50:08 2020]`), so only the clock and year are fixed.
const CTIME = /\[(?:[^\]\d]{1,20}\d{1,2} \d\d:\d\d:\d\d \d{4}|[A-Za-z]{2,4}\s?\d+ \d\d:\d\d)\]\s?/y;
const CALLER = /\[\s*[TC]\d+\]\s?/y;
const JOURNAL_TAG = /(?:(\S+)\s+)??([^\s:[\]]+(?:\[\d+\])?):\s?/y;

function at(re: RegExp, s: string, i: number): RegExpExecArray | null {
  re.lastIndex = i;
  return re.exec(s);
}

/** Remove paste damage: `> ` quoting and markdown escapes such as `\[ 2.17\]`. */
function unmangle(line: string): string {
  let s = line;
  if (s.charCodeAt(0) === 62 /* > */ || (s.charCodeAt(0) === 32 && /^\s+>/.test(s))) s = s.replace(/^(?:\s*>)+ ?/, '');
  if (s.includes('\\')) s = s.replace(/\\([[\]_*`#<>()])/g, '$1');
  // Indented pastes (markdown code blocks, e-mail) push the stamp away from the line start.
  const c = s.charCodeAt(0);
  if ((c === 32 || c === 9) && /^\s+[[<]/.test(s)) s = s.trimStart();
  return s;
}

/** Split one raw line into prefix facts and message. */
export function splitPrefix(raw: string): SplitLine {
  const s = unmangle(raw);
  let i = 0;
  let ts: number | null = null;
  let tsZero = false;
  let shape: KernelLogShape = 'plain';
  let tag: string | null = null;
  let c = s.charCodeAt(0);

  if (c >= 48 && c <= 57) {
    const k = at(KMSG, s, 0);
    if (k !== null) {
      const usec = k[3] ?? '0';
      const us = safeInt(usec);
      ts = us === null ? null : us / 1e6;
      tsZero = /^0+$/.test(usec);
      return { msg: s.slice(KMSG.lastIndex).trimEnd(), ts, tsZero, shape: 'kmsg', tag: null };
    }
    if (at(DMESG_ISO, s, 0) !== null) {
      i = DMESG_ISO.lastIndex;
      shape = 'dmesg-ctime';
    } else {
      const iso = at(SYSLOG_ISO, s, 0);
      if (iso !== null) {
        i = SYSLOG_ISO.lastIndex;
        shape = 'syslog';
        tag = iso[2] ?? null;
      }
    }
  } else if (c === 60 /* < */) {
    if (at(RAW, s, 0) !== null) { i = RAW.lastIndex; shape = 'dmesg-raw'; }
  } else if (c >= 97 && c <= 122) {
    if (at(DMESG_X, s, 0) !== null) { i = DMESG_X.lastIndex; shape = 'dmesg-x'; }
  } else if (c >= 65 && c <= 90) {
    const b = at(SYSLOG_BSD, s, 0);
    if (b !== null) {
      i = SYSLOG_BSD.lastIndex;
      shape = 'syslog';
      tag = b[1] ?? null;
    }
  }
  c = s.charCodeAt(i);
  if (c === 91 /* [ */) {
    const m = at(STAMP, s, i);
    if (m !== null) {
      i = STAMP.lastIndex;
      if (m[1] !== '+') {
        const frac = m[3] ?? '0';
        const whole = safeInt(m[2]);
        // A stamp no double holds exactly (40 digits) is not a kernel's: no time rather than a rounded one.
        ts = whole === null ? null : whole + Number(frac) / 10 ** frac.length;
        tsZero = ts === 0;
      }
      if (shape === 'plain') shape = 'dmesg';
    } else if (at(CTIME, s, i) !== null) {
      i = CTIME.lastIndex;
      if (shape === 'plain') shape = 'dmesg-ctime';
    }
    if (s.charCodeAt(i) === 91 && at(CALLER, s, i) !== null) i = CALLER.lastIndex;
    // `journalctl -o short-monotonic`: `[ts] host kernel: msg` (host omitted with --no-hostname).
    if (shape === 'dmesg' && tag === null) {
      const j = at(JOURNAL_TAG, s, i);
      if (j !== null && j[2] === 'kernel') {
        i = JOURNAL_TAG.lastIndex;
        tag = j[2] ?? null;
        shape = 'journal';
      }
    }
  }
  return { msg: s.slice(i).trimEnd(), ts, tsZero, shape, tag };
}

/**
 * Does `line` (split into `sp`) carry a kernel-log prefix? Every shape but `plain` does, except that a
 * syslog line counts only when tagged `kernel` or stamped `[ sss.uuuuuu]`: other daemons write there too.
 */
export function hasKernelPrefix(line: string, sp: SplitLine): boolean {
  if (sp.shape === 'plain') return false;
  return sp.shape !== 'syslog' || sp.tag === 'kernel' || /\[\s*\d+\.\d+\]/.test(line);
}
