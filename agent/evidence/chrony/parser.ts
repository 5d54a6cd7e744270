/**
 * chrony as users paste it → ChronyFacts. Pure. A table of small line rules, tried in order; the
 * first that takes a line counts it as chrony's:
 * - `chronyc tracking` (text, labelled lines; `-c` CSV through the timesync collector's reader),
 * - `chronyc sources` (with and without `-v`, text and `-c` CSV), `chronyc sourcestats`,
 * - `systemctl status chronyd`'s header and `Active:` line,
 * - chrony.conf directives (all of them under `cat …chrony.conf`; `makestep` and `refclock` alone),
 * - chronyd's log lines: any line tagged `chronyd[pid]:`, and untagged ones whose message only chronyd
 *   writes (`Selected source …`, `System's initial offset : …`, chronyd's own `…Z` stamps).
 */
import type { KindParser, LineContext, LineRef } from '../kind.js';
import type { ChronyConfig, ChronyEvent, ChronyFacts, ChronySource, ChronySourceStats, ChronyTrackingReport } from './facts.js';
import { excerpt } from '../text/lines.js';
import { CappedList } from '../text/capped.js';
import { PROGRAM, StartWords, afterIsoZ, contains, needles, programsIn, skipBlanks } from '../text/needles.js';
import { UnitWatch, matchMessage, splitDaemonLine } from '../text/daemon-log.js';
import { parseChronyTracking } from '../timesync/chrony-tracking.js';
import { emptyTracking, fromCsv, trackingLine } from './tracking.js';
import { RULE, SOURCES_COUNT, SOURCES_HEADER, SOURCESTATS_HEADER, sourceRow, sourcesLegend, sourcestatsLegend, sourcestatsRow } from './tables.js';
import { CHRONY_MESSAGES, OTHER } from './log.js';

interface State {
  path: string | null;
  count: number;
  version: string | null;
  tracking: ChronyTrackingReport | null;
  sources: ChronySource[];
  sourcesCount: number | null;
  sourcestats: ChronySourceStats[];
  /** Below a sourcestats header (or its command): rows of that shape are sourcestats'. */
  inStats: boolean;
  /** The last header seen allows one `=====` rule below it. */
  ruleAllowed: boolean;
  config: ChronyConfig;
  events: CappedList<ChronyEvent>;
  /** `systemctl status chronyd`'s lines. */
  unit: UnitWatch;
  unitActive: ChronyFacts['unitActive'];
  refs: Record<string, LineRef>;
  /** The command of a `chronyc> verb` line typed into interactive chronyc, until the next prompt. */
  interactive: string | null;
  /** Below a prompt that prints chrony.conf: every directive is read. */
  conf: boolean;
}

type Rule = (s: State, line: string, lineNo: number, command: string) => boolean;

const ref = (line: string, lineNo: number): LineRef => ({ line: lineNo, excerpt: excerpt(line) });

const INTERACTIVE = /^\s*chronyc>\s*(\S.*)?$/;
const CSV_TRACKING = /^\s*[0-9A-F]{8},.*,(?:Normal|Insert second|Delete second|Not synchronised)\s*$/;
const CONF_COMMAND = /chrony[\w.-]*\.conf|chrony\.d\b/;
const DIRECTIVE = /^\s*(makestep|refclock|server|pool|peer|rtcsync|maxslewrate|maxdrift|driftfile|local|initstepslew|maxchange|maxupdateskew)\b\s*(.*?)\s*$/;

function interactive(s: State, line: string): boolean {
  const m = INTERACTIVE.exec(line);
  if (m === null) return false;
  s.interactive = m[1] ?? '';
  s.inStats = /\bsourcestats\b/.test(s.interactive);
  return true;
}

function unit(s: State, line: string): boolean {
  const r = s.unit.read(line);
  if (r === null || r === 'below') return false;
  if (r !== 'header') s.unitActive = r;
  return true;
}

function tracking(s: State, line: string, lineNo: number): boolean {
  const t = trackingLine(line);
  if (t === null) return false;
  if (t.label === 'Reference ID' || s.tracking === null || s.tracking.format === 'csv') {
    s.tracking = emptyTracking('text');
    for (const k of Object.keys(s.refs)) if (k.startsWith('tracking.')) delete s.refs[k];
  }
  const r = ref(line, lineNo);
  for (const [k, v] of Object.entries(t.fields)) {
    (s.tracking as unknown as Record<string, unknown>)[k] = v;
    s.refs[`tracking.${k}`] = r;
  }
  return true;
}

function csvTracking(s: State, line: string, lineNo: number): boolean {
  if (!CSV_TRACKING.test(line)) return false;
  try {
    s.tracking = fromCsv(parseChronyTracking(line, s.path));
  } catch {
    return false; // the shape without the numbers: not a report
  }
  const r = ref(line, lineNo);
  for (const k of Object.keys(s.tracking)) if (k !== 'format') s.refs[`tracking.${k}`] = r;
  return true;
}

function sources(s: State, line: string, lineNo: number): boolean {
  const count = SOURCES_COUNT.exec(line);
  if (count !== null) { s.sourcesCount = Number(count[1]); s.refs.sourcesCount = ref(line, lineNo); return true; }
  if (SOURCES_HEADER.test(line)) {
    s.sources = [];
    s.inStats = false;
    s.ruleAllowed = true;
    return true;
  }
  if (sourcesLegend(line)) return true;
  const row = sourceRow(line, lineNo);
  if (row === null) return false;
  s.sources.push(row);
  s.inStats = false;
  return true;
}

function stats(s: State, line: string, lineNo: number, command: string): boolean {
  if (SOURCESTATS_HEADER.test(line)) {
    s.sourcestats = [];
    s.inStats = true;
    s.ruleAllowed = true;
    return true;
  }
  if (sourcestatsLegend(line)) return true;
  if (!s.inStats && !/\bsourcestats\b/.test(command)) return false;
  const row = sourcestatsRow(line, lineNo);
  if (row === null) return false;
  s.sourcestats.push(row);
  return true;
}

function rule(s: State, line: string): boolean {
  if (!s.ruleAllowed || !RULE.test(line)) return false;
  s.ruleAllowed = false;
  return true;
}

function config(s: State, line: string, lineNo: number, command: string): boolean {
  const m = DIRECTIVE.exec(line);
  if (m === null) return false;
  const [, name, rest = ''] = m;
  const inConf = CONF_COMMAND.test(command);
  if (name === 'makestep') {
    const a = /^(\d+(?:\.\d+)?)\s+(-?\d+)$/.exec(rest);
    if (a === null) return false;
    s.config.makestep = { thresholdSeconds: Number(a[1]), limit: Number(a[2]), ...ref(line, lineNo) };
    return true;
  }
  if (name === 'refclock') {
    const a = /^(PHC|SHM|SOCK|PPS|RTC)\s+(\S+)/.exec(rest);
    if (a === null) return false;
    s.config.refclocks.push({ driver: a[1]!, parameter: a[2]!, ...ref(line, lineNo) });
    return true;
  }
  if (!inConf) return false;
  if (name === 'rtcsync') s.config.rtcsync = true;
  else if ((name === 'server' || name === 'pool' || name === 'peer') && rest !== '') s.config.servers.push(rest.split(/\s+/)[0]!);
  s.config.rtcsync ??= false;
  return true;
}

function log(s: State, line: string, lineNo: number): boolean {
  const d = splitDaemonLine(line);
  if (d.program !== null && d.program !== 'chronyd' && d.program !== 'chronyc') return false;
  const hit = matchMessage(CHRONY_MESSAGES, d.msg);
  // Untagged: only messages no other program writes, or chronyd's debug lines (`…Z file.c:N:(function) …`);
  // chronyd's own `…Z` stamp alone is not enough.
  if (d.program === null && d.debugLocation === null && (hit === null || !hit.alone)) return false;
  const msg = hit?.event ?? OTHER;
  if (msg.version !== undefined && s.version === null) { s.version = msg.version; s.refs.version = ref(line, lineNo); }
  s.events.push({
    ...ref(line, lineNo), kind: msg.kind, seconds: msg.seconds ?? null, ppm: msg.ppm ?? null, mode: msg.mode ?? null,
    subject: msg.subject ?? null, stamp: d.stamp, epochSeconds: d.epochSeconds, pid: d.pid,
  });
  return true;
}

const RULES: readonly Rule[] = [
  (s, l) => interactive(s, l), (s, l) => unit(s, l), tracking, csvTracking, sources, stats, (s, l) => rule(s, l), config, log,
];

const [COLON, COMMA, DEBUG] = needles(' : ', ',', '.c:') as [Uint8Array, Uint8Array, Uint8Array];
/** Words a line of chrony's starts with when no tag names chronyd: its lone messages, headers, directives. */
const STARTS = new StartWords(
  'Selected source', "Can't synchronise", 'System clock', "System's initial", 'Backward time jump', 'Forward time jump', 'Source ',
  'Detected falseticker', 'Initial frequency', 'Frequency ', 'Could not', 'New makestep', 'Adjustment of', 'No suitable source',
  'CAP_SYS_TIME', '506 Cannot', 'MS Name/IP', 'Name/IP Address', '210 Number of sources', 'makestep', 'refclock', '=====',
);
/** First bytes of sources rows (`^` `=` `#`, text and CSV) and of the `-v` legends (`.` `/` `|`). */
const TABLE_FIRST = new Set([94, 61, 35, 46, 47, 124]);
const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70);

/** The byte pre-filter: false only for lines no rule could take in the parser's current state. */
function wants(s: State, buf: Uint8Array, start: number, end: number): boolean {
  if (s.conf || s.inStats || s.unit.open) return true;
  const i = skipBlanks(buf, start, end);
  if (i >= end) return false;
  const c = buf[i]!;
  if (TABLE_FIRST.has(c) || STARTS.at(buf, i, end)) return true;
  // tracking's padded labels (`Frequency       : …`), and the CSV whose Reference ID leads.
  if (contains(buf, i, Math.min(end, i + 24), COLON) || (isHex(c) && contains(buf, i, Math.min(end, i + 10), COMMA))) return true;
  const m = afterIsoZ(buf, i, end);
  if (m >= 0 && (STARTS.at(buf, m, end) || contains(buf, m, Math.min(end, m + 48), DEBUG))) return true;
  return (programsIn(buf, start, end) & PROGRAM.chrony) !== 0;
}

function commandOf(s: State, ctx: LineContext | undefined): string {
  return s.interactive !== null ? `chronyc ${s.interactive}` : ctx?.command ?? '';
}

/** A parser for the chrony lines of a text. */
export function createChronyParser(path: string | null = null): KindParser<ChronyFacts> {
  const s: State = {
    path, count: 0, version: null, tracking: null, sources: [], sourcesCount: null, sourcestats: [], inStats: false, ruleAllowed: false,
    config: { makestep: null, refclocks: [], servers: [], rtcsync: null }, events: new CappedList(), unit: new UnitWatch(/^(?:chronyd?|chrony-wait)$/), unitActive: null, refs: {}, interactive: null,
    conf: false,
  };
  return {
    wants: (buf, start, end) => wants(s, buf, start, end),
    // Outside its blocks a syslog line is its when it names chrony or has tracking's ` : `.
    quietOnDaemon: () => !(s.conf || s.inStats || s.unit.open),
    daemonWords: ['chrony', ' : '],
    prompt(command) {
      s.interactive = null;
      s.inStats = /\bsourcestats\b/.test(command);
      s.conf = CONF_COMMAND.test(command);
      s.ruleAllowed = false;
    },
    push(line, lineNo, ctx) {
      if (line.trim() === '') return;
      const command = commandOf(s, ctx);
      for (const r of RULES) {
        if (r(s, line, lineNo, command)) { s.count++; return; }
      }
      // A line no rule takes ends a sourcestats table (its rows have no word of their own).
      s.inStats = false;
    },
    recognised: () => s.count,
    finish: () => ({
      path, refs: s.refs, version: s.version, tracking: s.tracking, sources: s.sources, sourcesCount: s.sourcesCount, sourcestats: s.sourcestats,
      config: s.config, events: s.events.toArray(), unitActive: s.unitActive,
    }),
  };
}
