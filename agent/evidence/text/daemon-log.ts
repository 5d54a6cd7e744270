/**
 * A daemon's log line as users paste it, split into its stamp, the program that wrote it and the
 * message — the one reader the time-sync kinds (chrony, ntp, timesyncd, vboxservice) share. Pure.
 *
 * Shapes, each seen in real pastes:
 * - syslog / journalctl `short`: `May 07 08:00:43 host chronyd[612]: Selected source …` (also with the
 *   host omitted, `short-full`'s `Fri 2020-06-26 12:51:39 EDT host …`, localised months `nov. 24 …`);
 * - ntpd's own logfile: `19 Jul 02:47:08 ntpd[1]: …` (day first);
 * - ISO stamps (`journalctl -o short-iso`, rsyslog): `2022-05-07T08:00:43+0000 host chronyd[1]: …`;
 * - `journalctl -o short-monotonic`: `[  12.345678] host chronyd[612]: …`;
 * - a tag with no stamp: `chronyd[612]: …` (the pid is required, so `Stratum: 2` is no tag);
 * - chronyd's own log (`-d`, `logfile`): `2022-05-07T08:00:43Z chronyd version 4.1 starting`, and
 *   its debug form `2021-11-22T03:33:08Z reference.c:494:(maybe_log_offset) System clock wrong by …`;
 * - the bare message, copied alone.
 * ntpsec's category (`CLOCK: `, `PROTO: `, `INIT: `) is removed from the message too.
 */

/** One line of a daemon's log. */
export interface DaemonLine {
  /** The program its syslog/journal tag names (`chronyd`, `systemd-timesyncd`), without `[pid]`; null without a tag. */
  program: string | null;
  /** The pid in the tag, or null. */
  pid: number | null;
  /** The timestamp as printed, or null. */
  stamp: string | null;
  /** Seconds since the epoch when the stamp states date, time and zone (ISO with `Z` or an offset), else null. */
  epochSeconds: number | null;
  /** The message: prefixes removed, trimmed. */
  msg: string;
  /** chronyd's debug location (`reference.c:494:(maybe_log_offset)`), or null. */
  debugLocation: string | null;
}

const MONTHS = String.raw`[A-Za-z\u00C0-\u024F]{2,5}\.?`;
const CLOCK = String.raw`\d\d:\d\d:\d\d(?:[.,]\d+)?`;
/** BSD syslog, journalctl short/short-full/short-precise, ntpd's logfile (day first). */
const BSD = String.raw`(?:[A-Z][a-z]{2} \d{4}-\d\d-\d\d|${MONTHS} {1,2}\d{1,2}|\d{1,2} ${MONTHS}(?: \d{4})?) ${CLOCK}(?: [A-Z]{2,5})?`;
const ISO = String.raw`\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?`;
const MONO = String.raw`\[\s*\d+\.\d+\]`;
/** Optional host, then `program[pid]:` or `program:`. */
const TAG = String.raw`(?:(\S+)\s+)??([A-Za-z][\w.@/-]{0,63}?)(?:\[(\d{1,10})\])?:(?:\s+|$)`;
const STAMPED_TAGGED = new RegExp(String.raw`^\s*(${BSD}|${ISO}|${MONO})\s+${TAG}(.*)$`);
const BARE_TAG = /^\s*([A-Za-z][\w.@/-]{0,63})\[(\d{1,10})\]:\s+(.*)$/;
/** chronyd's own stamp (UTC, `Z`), optionally with its debug source location. */
const CHRONY_STAMP = /^\s*(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)\s+(?:([\w-]+\.c:\d+:\(\w+\))\s+)?(.*)$/;
/** ntpsec's message categories. */
const NTPSEC_CATEGORY = /^(?:CLOCK|PROTO|INIT|SYNC|ERR|CONFIG|IO|AUTH|REFCLOCK|LOG|MODE|NTSc|NTSs|NTS|DNS): /;

/** Seconds since the epoch of an ISO stamp with a zone; null without one (a local time is no instant). */
export function isoEpochSeconds(stamp: string): number | null {
  const m = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d+))?(Z|([+-])(\d\d):?(\d\d))$/.exec(stamp);
  if (m === null) return null;
  const base = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000;
  const frac = m[7] === undefined ? 0 : Number(`0.${m[7]}`);
  const zone = m[8] === 'Z' ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 3600 + Number(m[11]) * 60);
  const v = base + frac - zone;
  return Number.isFinite(v) ? v : null;
}

function clean(msg: string): string {
  const t = msg.trim();
  return NTPSEC_CATEGORY.test(t) ? t.replace(NTPSEC_CATEGORY, '') : t;
}

// Every time-sync kind splits the same line in turn: the last split is kept (a pure function's memo).
let lastLine: string | null = null;
let lastSplit: DaemonLine | null = null;

/** Split one line. Never throws; a line with no prefix is all message. */
export function splitDaemonLine(line: string): DaemonLine {
  if (line === lastLine && lastSplit !== null) return { ...lastSplit };
  const d = split(line);
  lastLine = line;
  lastSplit = d;
  return { ...d };
}

function split(line: string): DaemonLine {
  const t = STAMPED_TAGGED.exec(line);
  // chronyd's own `…Z Can't synchronise: …` is no `host tag:` line: a tag after a `Z` stamp needs its pid.
  if (t !== null && (t[4] !== undefined || !/Z$/.test(t[1]!))) {
    const stamp = t[1]!;
    return { program: t[3]!, pid: t[4] === undefined ? null : Number(t[4]), stamp, epochSeconds: isoEpochSeconds(stamp), msg: clean(t[5] ?? ''), debugLocation: null };
  }
  const b = BARE_TAG.exec(line);
  if (b !== null) return { program: b[1]!, pid: Number(b[2]), stamp: null, epochSeconds: null, msg: clean(b[3] ?? ''), debugLocation: null };
  const c = CHRONY_STAMP.exec(line);
  if (c !== null) return { program: null, pid: null, stamp: c[1]!, epochSeconds: isoEpochSeconds(c[1]!), msg: clean(c[3] ?? ''), debugLocation: c[2] ?? null };
  return { program: null, pid: null, stamp: null, epochSeconds: null, msg: clean(line), debugLocation: null };
}

/** A rule of a log-line table: a message pattern and what it means. */
export interface MessageRule<E> {
  re: RegExp;
  /**
   * True when the message alone, without its program's tag, is proof enough that the line is this
   * kind's (`Selected source …` is only chronyd's; `Command line: …` could be anyone's).
   */
  alone: boolean;
  make(m: RegExpExecArray): E;
}

/** The first rule of `rules` the message matches, with its result; null when none does. */
export function matchMessage<E>(rules: readonly MessageRule<E>[], msg: string): { event: E; alone: boolean } | null {
  for (const r of rules) {
    const m = r.re.exec(msg);
    if (m !== null) return { event: r.make(m), alone: r.alone };
  }
  return null;
}

/** A finite number from a decimal string, or null. */
export function num(text: string | undefined): number | null {
  if (text === undefined) return null;
  const v = Number(text.replace(',', '.'));
  return Number.isFinite(v) ? v : null;
}

/** `● chronyd.service - NTP client/server`, the first line of `systemctl status`. */
const UNIT_HEADER = /^\s*[●*○×]?\s*([\w@.-]+)\.service\s+-\s+\S/;
/** `     Active: active (running) since …` */
const UNIT_ACTIVE = /^\s*Active:\s+(active|inactive|failed|activating|deactivating)\b/;

/** What `systemctl status` says of a unit. */
export type UnitState = 'active' | 'inactive' | 'failed' | 'activating';

/**
 * Follows `systemctl status UNIT` in a paste: its header line (`● chronyd.service - …`) for one of the
 * kind's units, then the lines below it (its `Active:` word among them) until the span runs out or
 * another unit's header comes.
 */
export class UnitWatch {
  private window = 0;

  constructor(private readonly units: RegExp, private readonly span = 8) {}

  /** True while lines below one of the kind's unit headers are being read. */
  get open(): boolean {
    return this.window > 0;
  }

  /** `header` for the kind's unit header; the state of its `Active:` line; `below` for another line under it; null otherwise. */
  read(line: string): 'header' | UnitState | 'below' | null {
    const u = UNIT_HEADER.exec(line)?.[1];
    if (u !== undefined) {
      this.window = this.units.test(u) ? this.span : 0;
      return this.window > 0 ? 'header' : null;
    }
    if (this.window <= 0) return null;
    this.window--;
    const a = UNIT_ACTIVE.exec(line)?.[1];
    if (a === undefined) return 'below';
    return a === 'deactivating' ? 'active' : a as UnitState;
  }
}
