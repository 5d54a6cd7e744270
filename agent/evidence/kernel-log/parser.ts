/**
 * Kernel log (dmesg in any of its shapes, kern.log, /var/log/messages, journalctl, /dev/kmsg, and
 * excerpts pasted into tickets) → KernelLogFacts, as a streaming LineParser. Pure.
 *
 * A line goes through one prefix split (prefix.ts) and one literal screen (rules.ts GATE); only the
 * few lines that pass meet the rules, tried in table order (first match wins). Messages are searched
 * anywhere in the text after the prefix, because printk continuations and console interleaving glue
 * them after other text (`ACPI: (supports S0 S1<6>Time: tsc clocksource has been installed.`).
 *
 * Pastes: an indented line with no prefix that means nothing alone is tried as the continuation of
 * the line before (a message an e-mail client or a narrow terminal wrapped), so each line is acted
 * on one line late. A shell prompt that reads the kernel log (`$ dmesg | grep -i tsc`) is recorded
 * with how many lines it printed, and a filtering one marks the facts `filteredBy`: lines missing
 * from a filtered excerpt prove nothing.
 *
 * Boots: a file may hold several (kern.log). A boot starts at `Linux version`, at a second
 * `Command line:` or when the monotonic stamp falls back to exactly zero after a second had passed.
 * `boots` counts the starts seen, plus a leading fragment of an earlier boot when it held any fact
 * (at least 1); every other fact is from the last boot.
 *
 * Choices worth knowing (facts are never guessed):
 * - `tscFromHypervisorKhz` is set only when the kernel says the rate came from the hypervisor
 *   (`TSC freq read from hypervisor : N MHz`, or 2.6.18's `TSC: Frequency read from the hypervisor`
 *   followed by `Detected N MHz processor`); a kvm-clock guest's rate is in `tscDetectedKhz` and
 *   `tscCalibration` says `kvm-clock`.
 * - `tscCalibration`: explicit lines win (`hypervisor`, `hpet`/`pmtimer` reference, `pit`); else
 *   `kvm-clock` when kvm-clock is in use; else `unknown` when a rate was detected; else null.
 * - Watchdog skew: printed (6.3+), else cs_nsec − wd_nsec (5.13+), else era A's delta, else from the
 *   raw counters when both rates are known (verdict.ts); a 64-bit counter that read lower than last
 *   time is `backwards`, with no skew.
 */
import type { KernelLogFacts, KernelLogSearch } from './facts.js';
import type { KindParser, LineContext, LineRef } from '../kind.js';
import { excerpt } from '../text/lines.js';
import { isFiltered } from '../text/prompt.js';
import { hasKernelPrefix, splitPrefix, splitPrefixBytes, type ByteSplit, type KernelLogShape, type SplitLine } from './prefix.js';
import { gateLine, GATE_NONE } from './gate.js';
import { MAX_LINE_BYTES, type KernelSettle } from '../text/lines.js';
import { Boots, type BootState } from './boot.js';
import { finishVerdict } from './verdict.js';
import { candidateRules, KERNEL_LOG_LITERALS, KERNEL_LOG_RULES } from './rules.js';
import type { KernelRule, RuleContext } from './rule.js';

export { registrationHz } from './verdict.js';
export { KERNEL_LOG_LITERALS, KERNEL_LOG_RULES } from './rules.js';

interface Hit { rule: KernelRule; m: RegExpExecArray; at: number }

/** The first rule, at or after position `from` of `candidates`, whose pattern matches `msg`. */
function nextHit(msg: string, candidates: readonly number[] | null, from = 0): Hit | null {
  if (candidates === null) return null;
  for (let at = from; at < candidates.length; at++) {
    const rule = KERNEL_LOG_RULES[candidates[at]!]!;
    const m = rule.re.exec(msg);
    if (m !== null) return { rule, m, at };
  }
  return null;
}

/** The first rule whose literals and pattern match `msg`, with its match; null when none does. */
const findRule = (msg: string): Hit | null => nextHit(msg, candidateRules(msg));

/** Commands that print the kernel log: dmesg, journalctl -k/-b/--dmesg, or a reader of /var/log/{kern.log,messages,syslog,dmesg}. */
const READS_KERNEL_LOG = /\bdmesg\b|\bjournalctl\b.*(?:\s-k\b|\s--dmesg\b|\s-b\b)|\/var\/log\/(?:kern\.log|messages|syslog|dmesg)/;

/** The arguments of the last grep of a pipeline: what it filtered for. */
function grepFilter(command: string): string | null {
  const m = /\b[ez]?grep\b([^|]*)$/.exec(command) ?? /\b[ez]?grep\b([^|]*)/.exec(command);
  return m === null ? null : (m[1] ?? '').trim() || null;
}

/** A line whose processing waits for the next (which may continue it). */
interface Pending { raw: string; lineNo: number; sp: SplitLine; ctx: LineContext | undefined }

/**
 * The line `wants` settled last (it held no literal): already counted, but kept as bytes in case the
 * next line is an indented continuation that completes a message with it.
 */
interface Settled { lineNo: number; length: number; bytes: Buffer }

/** Keep the bytes of a line `wants` settled (the buffer it came in is only valid during the call). */
function keepSettled(settled: Settled, buf: Uint8Array, start: number, end: number, lineNo: number): void {
  const keep = settled.bytes;
  for (let k = start; k < end; k++) keep[k - start] = buf[k]!;
  settled.length = end - start;
  settled.lineNo = lineNo;
}

/** The settled line as the pending line it would have been, when line `lineNo` may continue it. */
function settledBefore(settled: Settled, lineNo: number): Pending | null {
  if (settled.lineNo < 0 || settled.lineNo !== lineNo - 1) return null;
  const raw = settled.bytes.toString('utf8', 0, settled.length);
  return { raw, lineNo: settled.lineNo, sp: splitPrefix(raw), ctx: undefined };
}

/**
 * `claims` (kind.ts): lines with a kernel-log prefix are this kind's. The split it makes is kept for
 * `wants`, which the router asks next about the same line, so the line is not split twice; `take`
 * forgets it on every call, so it never outlives that line.
 */
class ClaimSplit {
  private buf: Uint8Array | null = null;
  private start = -1;
  private end = -1;
  private ok = false;

  constructor(private readonly split: ByteSplit) {}

  claims(buf: Uint8Array, start: number, end: number): boolean {
    if (end === start || end - start > MAX_LINE_BYTES) return false;
    this.ok = splitPrefixBytes(buf, start, end, this.split);
    this.buf = buf;
    this.start = start;
    this.end = end;
    return this.ok && this.split.kernelPrefix;
  }

  /** The split's answer for this line when `claims` just made it, else null; forgets it either way. */
  take(buf: Uint8Array, start: number, end: number): boolean | null {
    const known = this.buf === buf && this.start === start && this.end === end ? this.ok : null;
    this.buf = null;
    return known;
  }
}

/** The streaming kernel log parser. */
export function createKernelLogParser(path: string | null = null): KindParser<KernelLogFacts> {
  const boots = new Boots();
  const shapes = new Map<KernelLogShape, number>();
  let recognisedLines = 0;
  let filteredBy: string | null = null;
  const searches: KernelLogSearch[] = [];
  let search: KernelLogSearch | null = null;
  let pending: Pending | null = null;
  /** A prompt was seen: lines carry a command context (filters, searches); every line takes the string path. */
  let prompted = false;
  const split: ByteSplit = { shape: 'plain', msgStart: 0, msgEmpty: true, tsZero: false, tsAboveOne: false, kernelPrefix: false };
  const settled: Settled = { lineNo: -1, length: 0, bytes: Buffer.allocUnsafe(MAX_LINE_BYTES) };

  /** Run the rules on one message; true when one matched and accepted it. */
  const applyRules = (msg: string, raw: string, lineNo: number, at: number | null): boolean => {
    const candidates = candidateRules(msg);
    if (candidates === null) return false;
    const c: RuleContext = { get b() { return boots.b; }, lineNo, raw, msg, at, bootMarker: boots.bootMarker };
    for (let hit = nextHit(msg, candidates); hit !== null; hit = nextHit(msg, candidates, hit.at + 1)) {
      if (hit.rule.apply(hit.m, c) !== false) return true;
    }
    return false;
  };

  /** Everything one line (or a line and its continuation) does. */
  const process = (p: Pending, msg: string, raw: string): void => {
    const { sp, lineNo, ctx } = p;
    if (sp.shape !== 'plain' || sp.msg !== '') shapes.set(sp.shape, (shapes.get(sp.shape) ?? 0) + 1);
    // Stamps back at exactly zero after a second had passed: the ring buffer of a new boot.
    if (sp.tsZero && boots.b.sawStampAboveOne && !msg.includes('Linux version')) boots.newBoot();
    if (sp.ts !== null && sp.ts >= 1 && !boots.b.sawStampAboveOne) {
      boots.b.sawStampAboveOne = true;
      boots.b.touched = true;
    }
    if (applyRules(msg, raw, lineNo, sp.ts) || hasKernelPrefix(p.raw, sp)) {
      recognisedLines++;
      if (filteredBy === null && ctx !== undefined && isFiltered(ctx.command)) filteredBy = ctx.command;
    }
  };

  const flush = (): void => {
    if (pending === null) return;
    const p = pending;
    pending = null;
    process(p, p.sp.msg.trimStart(), p.raw);
  };

  const memo = new ClaimSplit(split);
  /** Settle a line no rule can read on its bytes (count it as `process` would), or have it decoded (docs/performance.md). */
  const wants = (buf: Uint8Array, start: number, end: number, lineNo?: number): boolean => {
    const known = memo.take(buf, start, end);
    if (prompted || lineNo === undefined || end === start || end - start > MAX_LINE_BYTES) return true;
    // `-- Boot …` separators (push reads them); indented lines (continuations, kmsg dictionaries) fail the split.
    if (buf[start] === 45 || gateLine(buf, start, end) !== GATE_NONE || !(known ?? splitPrefixBytes(buf, start, end, split))) return true;
    // Not indented, so push would first close the line before it (no continuation): do so now, as the
    // boot it belongs to must be settled before this line's stamp is looked at.
    flush();
    if ((split.tsZero && boots.b.sawStampAboveOne) || (split.tsAboveOne && !boots.b.sawStampAboveOne)) return true;
    if (split.shape !== 'plain' || !split.msgEmpty) shapes.set(split.shape, (shapes.get(split.shape) ?? 0) + 1);
    if (split.kernelPrefix) recognisedLines++;
    keepSettled(settled, buf, start, end, lineNo);
    return false;
  };

  /** What the scanner settled (text/lines.ts KernelSettle): what `wants` does to each such line, in bulk. */
  const settle: KernelSettle = {
    literals: KERNEL_LOG_LITERALS,
    // The boot tracker: a waiting line may still move it, so it is known only once flushed.
    state: () => (prompted ? -2 : pending !== null ? 2 : boots.b.sawStampAboveOne ? 1 : 0),
    // Its part in another program's syslog line is its literals and the count, as for its own lines.
    daemons: () => true,
    settled(counts, buf, lastStart, lastEnd, lastLineNo) {
      flush();
      for (const [shape, n, prefixed] of counts) {
        shapes.set(shape, (shapes.get(shape) ?? 0) + n);
        recognisedLines += prefixed;
      }
      if (lastStart >= 0) keepSettled(settled, buf, lastStart, lastEnd, lastLineNo);
    },
  };

  return {
    claims: (buf, start, end) => memo.claims(buf, start, end),
    wants,
    settle,

    push(raw, lineNo, ctx) {
      if (search !== null && raw.trim() !== '') search.lines++;
      // /dev/kmsg continuation records (` SUBSYSTEM=…`) carry no message.
      if (raw.charCodeAt(0) === 32 && /^ [A-Z_]+=/.test(raw)) return;
      // journalctl's boot separators (`-- Boot 3f2a… --`, older `-- Reboot --`).
      if (raw.charCodeAt(0) === 45 && /^-- (?:Boot [0-9a-f]+|Reboot) --\s*$/.test(raw)) {
        flush();
        boots.bootMarker(boots.b.touched);
        return;
      }
      const sp = splitPrefix(raw);
      const continues = sp.shape === 'plain' && /^\s/.test(raw);
      // The line before was settled by `wants` (counted already): only a join is left to do with it.
      const before = pending === null && continues ? settledBefore(settled, lineNo) : null;
      settled.lineNo = -1;
      const prev = pending ?? before;
      if (prev !== null && continues && lineNo === prev.lineNo + 1) {
        const cont = sp.msg.trim();
        const first = prev.sp.msg.trimStart();
        const joined = `${first} ${cont}`;
        // Join only when the continuation means nothing alone and completes a match: a printk
        // continuation glued after a message that already matched (`… installed. S4 S5)`) stays apart.
        const hit = cont !== '' && findRule(cont) === null ? findRule(joined) : null;
        if (hit !== null && (findRule(first) === null || hit.m.index + hit.m[0].length > first.length + 1)) {
          pending = null;
          const rawJoined = `${prev.raw.trimEnd()} ${cont}`;
          // A settled line's shape and prefix are counted; its stamp moved nothing (wants made sure).
          if (before !== null) {
            if (applyRules(joined, rawJoined, prev.lineNo, prev.sp.ts) && !hasKernelPrefix(prev.raw, prev.sp)) recognisedLines++;
          } else process(prev, joined, rawJoined);
          recognisedLines++;
          return;
        }
      }
      flush();
      pending = { raw, lineNo, sp, ctx };
    },

    prompt(command, _host, lineNo, line) {
      flush();
      prompted = true;
      settled.lineNo = -1;
      search = null;
      if (!READS_KERNEL_LOG.test(command)) return;
      search = { line: lineNo, excerpt: excerpt(line), command, filter: grepFilter(command), lines: 0 };
      if (searches.length < 100) searches.push(search);
      // A search for kernel lines that printed nothing is evidence too (of their absence).
      recognisedLines++;
    },

    recognised() {
      flush();
      return recognisedLines;
    },

    finish() {
      flush();
      return buildFacts(boots.b, path, boots.count(), shapes, filteredBy, searches);
    },
  };
}

/** The facts of the last boot. */
function buildFacts(boot: BootState, path: string | null, boots: number, shapes: Map<KernelLogShape, number>, filteredBy: string | null, searches: KernelLogSearch[]): KernelLogFacts {
  const tscKhz = boot.tscRefinedKhz ?? boot.tscDetectedTscKhz ?? boot.cpuDetectedKhz;
  const verdicts = boot.verdicts.map((o) => finishVerdict(o, tscKhz, boot.hpetHz));
  const switches = boot.clocksourceSwitches;
  const last = switches[switches.length - 1];
  const refs: Record<string, LineRef> = { ...boot.refs };
  if (last !== undefined) refs.finalClocksource = { line: last.line, excerpt: last.excerpt };
  const tscDetectedKhz = boot.tscDetectedTscKhz ?? boot.cpuDetectedKhz;
  let tscCalibration: string | null = boot.calibration;
  if (tscCalibration === null) tscCalibration = boot.kvmClock ? 'kvm-clock' : tscDetectedKhz !== null ? 'unknown' : null;
  const commandLine = boot.kernelCommandLine ?? boot.commandLine;
  if (boot.kernelCommandLine !== null && refs.kernelCommandLine !== undefined) refs.commandLine = refs.kernelCommandLine;
  delete refs.kernelCommandLine;
  const firstUnstable = boot.tscUnstableEvents[0];
  if (firstUnstable !== undefined) refs.tscUnstable = { line: firstUnstable.line, excerpt: firstUnstable.excerpt };
  let format: string | null = null;
  let best = 0;
  for (const [shape, n] of shapes) if (n > best) { best = n; format = shape; }
  const filter = filteredBy ?? searches.find((s) => s.filter !== null)?.command ?? null;
  return {
    path,
    refs,
    format,
    boots,
    filteredBy: filter,
    searches,
    // A `grep` output pasted without its prompt may well start at [0.000000]: only the banner proves the start.
    wholeBoot: filter === null && boot.sawVersion,
    arch: boot.arch,
    kernelVersion: boot.kernelVersion,
    hypervisor: boot.hypervisor,
    paravirtKernelOn: boot.paravirtKernelOn,
    dmi: boot.dmi,
    systemdVirtualization: boot.systemdVirtualization,
    cpuBrand: boot.cpuBrand,
    cpuDetectedKhz: boot.cpuDetectedKhz,
    tscDetectedKhz,
    tscRefinedKhz: boot.tscRefinedKhz,
    tscFromHypervisorKhz: boot.tscFromHypervisorKhz,
    tscCalibration,
    kvmClock: boot.kvmClock,
    clocksourceSwitches: switches,
    finalClocksource: last?.to ?? null,
    clocksourceRegistrations: boot.clocksourceRegistrations,
    tscUnstable: boot.tscUnstableEvents.length > 0,
    tscUnstableEvents: boot.tscUnstableEvents,
    watchdogVerdicts: verdicts,
    watchdogReadIssues: boot.readIssues,
    failoverDisabled: boot.failoverDisabled,
    tscSync: boot.tscSync,
    timeWarnings: boot.timeWarnings,
    suppressions: boot.suppressions,
    hostLines: boot.hostLines,
    vboxdrvTscMode: boot.vboxdrvTscMode,
    vboxdrvTscHz: boot.vboxdrvTscHz,
    sleepEvents: boot.sleepEvents,
    hyperv: boot.hyperv,
    xen: boot.xen,
    archTimer: boot.archTimer,
    ptpSupport: boot.ptpSupport,
    haxm: boot.haxm,
    hpetHz: boot.hpetHz,
    tscDeadlineTimer: boot.tscDeadlineTimer,
    timeSync: boot.timeSync,
    commandLine,
  };
}

/**
 * Content sniffing for `detect.ts`: do the first lines look like a kernel log? True when most lines
 * carry a kernel-log prefix, or a kernel-only message (`Linux version`, `Command line:`, a clocksource
 * switch, a TSC calibration) appears with a prefix or on its own.
 */
export function looksLikeKernelLog(head: string): boolean {
  const lines = head.split('\n', 400);
  let considered = 0;
  let prefixed = 0;
  let kernelMessages = 0;
  let vboxStamped = 0;
  for (const raw of lines) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    considered++;
    if (/^\s?\d{2,}:\d\d:\d\d\.\d{6} /.test(line)) vboxStamped++;
    const sp = splitPrefix(line);
    if (hasKernelPrefix(line, sp)) prefixed++;
    if (/^(?:Linux version \S+ \(|Command line: |Kernel command line: |BIOS-e820: |BIOS-provided physical RAM map|(?:clocksource: )?Switched to clocksource |Detected \d+\.\d{3} MHz processor|tsc: |Hypervisor detected: |Booting paravirtualized kernel|DMI: |ACPI: |Initializing cgroup subsys|x86\/fpu: |e820: )/.test(sp.msg)) kernelMessages++;
  }
  if (considered === 0) return false;
  if (vboxStamped * 2 > considered) return false;
  if (prefixed * 2 > considered && (kernelMessages > 0 || prefixed >= 3)) return true;
  return kernelMessages >= 3 || (kernelMessages >= 2 && considered <= 3);
}
