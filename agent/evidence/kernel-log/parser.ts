/**
 * Guest kernel log (dmesg in any of its shapes, kern.log, /var/log/messages, journalctl, /dev/kmsg)
 * → KernelLogFacts, as a streaming LineParser. Pure.
 *
 * Every line goes through one prefix split (kernel-log-prefix.ts) and one keyword gate; only the few
 * lines that pass the gate meet the message regexes. Messages are searched anywhere in the text after
 * the prefix, because printk continuations and console interleaving glue them after other text
 * (`ACPI: (supports S0 S1<6>Time: tsc clocksource has been installed.`).
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
 *   raw counters when both rates are known: acpi_pm 3 579 545 Hz, kvm-clock/xen 1 GHz, Hyper-V 10 MHz,
 *   hpet as the log's `hpet0:` line says (100 MHz on VirtualBox PIIX3, 14.318 MHz elsewhere), tsc as
 *   refined/detected in the same boot.
 */
import type { ClocksourceRegistration, ClocksourceSwitch, KernelLogFacts, TscUnstableEvent, WatchdogVerdict } from './facts.js';
import type { LineRef, TimeSyncLogLine } from '../kind.js';
import { excerpt } from '../text/lines.js';
import type { KindParser } from '../kind.js';
import { hasKernelPrefix, splitPrefix, type KernelLogShape } from './prefix.js';
import { mhzToKhz, safeInt, safeSignedInt } from '../../util/numbers.js';
import { parseTimeSyncMessages } from '../vbox/timesync.js';

const GATE =
  /Linux version|ommand line:|MHz|[Cc]locksource|TSC|tsc|Hypervisor|paravirtualized|DMI:|virtualization|kvm-clock|CPU0?:|unstable|wd_n|cs_n|TimeSync|timesync|comparators|calibration/;

const RE = {
  linuxVersion: /(?:^|\s|>)Linux version (\S+)/,
  commandLine: /(?:^|\s|>)Command line: ?(.*)$/,
  kernelCommandLine: /Kernel command line: ?(.*)$/,
  hypervisor: /Hypervisor detected: (.+)$/,
  paravirt: /Booting paravirtualized kernel on (.+)$/,
  dmi: /^(?:\S+ )?DMI: (.+)$/,
  systemdVirt: /Detected virtualization ([\w.-]+?)\.?$/,
  cpu0: /(?:^|\s)(?:smpboot: )?CPU0: (.+?)(?: \((?:fam|family): .*\)| stepping \w+)?$/,
  /** Uniprocessor kernels print `CPU: <brand> (fam: 06, …)` instead. */
  cpuUp: /^CPU: (.+?) \((?:fam|family): /,
  detectedProcessor: /Detected (\d+\.\d+) MHz processor/,
  detectedTsc: /Detected (\d+\.\d+) MHz TSC/,
  refined: /Refined TSC clocksource calibration: (\d+\.\d+) MHz/,
  fromHypervisor: /TSC freq read from hypervisor\s*:\s*(\d+\.\d+) MHz/,
  fromHypervisorOld: /TSC: Frequency read from the hypervisor/,
  switched: /(?:Switched|Switching) to clocksource ([\w.-]+)/,
  installed: /Time: ([\w.-]+) clocksource has been installed/,
  registration: /([\w.-]+): mask: 0x([0-9a-f]+) max_cycles: 0x([0-9a-f]+), max_idle_ns: (\d+) ns/,
  markTsc: /Marking TSC unstable due to (.+?)\.?$/,
  markTscOld: /(?:(.+) detected: marking TSC unstable|TSC appears to be running slowly\. Marking it as unstable)/,
  foundUnstable: /TSC found unstable after boot/,
  /** Any other wording that marks tsc unstable (5.14+ read-back delay: `…, marking tsc unstable`). */
  markClocksourceTsc: /[Mm]arking (?:clocksource )?'?tsc'? (?:as )?unstable\b,?\s*(.*)$/,
  verdictNew: /(?:timekeeping watchdog(?: on CPU(\d+))?: )?Marking clocksource '([^']+)' as unstable because the skew is too large/,
  verdictOld: /Clocksource ([\w.-]+) unstable \(delta = (-?\d+) ns\)/,
  wdLine: /'([^']+)' wd_n(?:sec|esc): (-?\d+)/,
  wdRaw: /'([^']+)' wd_now: ([0-9a-f]+) wd_last: ([0-9a-f]+) mask: ([0-9a-f]+)/,
  csLine: /'([^']+)' cs_nsec: (-?\d+)/,
  csRaw: /'([^']+)' cs_(?:nsec: -?\d+ cs_)?now: ([0-9a-f]+) cs_last: ([0-9a-f]+) mask: ([0-9a-f]+)/,
  skewed: /Clocksource '([^']+)' skewed (-?\d+) ns \(-?\d+ ms\) over watchdog '([^']+)' interval of (\d+) ns/,
  hpet: /hpet\d*: \d+ comparators, \d+-bit (\d+)\.(\d{1,6}) MHz counter/,
  deadlineOn: /TSC deadline timer (?:enabled|available)/,
  deadlineOff: /TSC_DEADLINE disabled/,
  kvmClock: /kvm-clock: (?:Using msrs|cpu \d+, msr|using sched offset)|clocksource kvm-clock|kvm-clock: mask:/,
  calPit: /Fast TSC calibration using PIT|Using PIT calibration value|Using PIT calibration\b/,
  vboxTimeSync: /vgsvcTimeSync|VBoxServiceTimeSync|\d\d:\d\d:\d\d\.\d{3,9} timesync\s/,
  calRef: /(?:PIT calibration matches|using) (HPET|PMTIMER)(?: reference calibration|\. \d+ loops)/,
} as const;

/**
 * Lists of events keep at most this many entries, so a hostile or endlessly concatenated log cannot
 * grow memory: the first MAX_EVENTS − 1 and always the latest (the last switch decides the final
 * clocksource).
 */
const MAX_EVENTS = 1000;

function add<T>(list: T[], item: T): void {
  if (list.length < MAX_EVENTS) list.push(item);
  else list[list.length - 1] = item;
}

/** acpi_pm runs at 3 579 545 Hz on every PC and hypervisor (formats.md §6); used for era B/C skews. */
const ACPI_PM_HZ = 3_579_545;

interface RawCounters { now: bigint; last: bigint; mask: bigint }

interface OpenVerdict {
  v: WatchdogVerdict;
  lastLine: number;
  wdRaw: RawCounters | null;
  csRaw: RawCounters | null;
}

interface BootState {
  refs: Record<string, LineRef>;
  kernelVersion: string | null;
  hypervisor: string | null;
  paravirtKernelOn: string | null;
  dmi: string | null;
  systemdVirtualization: string | null;
  cpuBrand: string | null;
  cpuDetectedKhz: number | null;
  tscDetectedTscKhz: number | null;
  tscRefinedKhz: number | null;
  tscFromHypervisorKhz: number | null;
  hypervisorFreqPending: boolean;
  calibration: 'pit' | 'hpet' | 'pmtimer' | 'hypervisor' | null;
  kvmClock: boolean;
  clocksourceSwitches: ClocksourceSwitch[];
  clocksourceRegistrations: ClocksourceRegistration[];
  tscUnstableEvents: TscUnstableEvent[];
  verdicts: OpenVerdict[];
  hpetHz: number | null;
  tscDeadlineTimer: boolean | null;
  timeSync: TimeSyncLogLine[];
  commandLine: string | null;
  kernelCommandLine: string | null;
  sawVersion: boolean;
  sawCommandLine: boolean;
  sawStampAboveOne: boolean;
  /** Anything recorded or a stamp ≥ 1 s seen: a following boot marker starts a new boot. */
  touched: boolean;
}

function freshBoot(): BootState {
  return {
    refs: {}, kernelVersion: null, hypervisor: null, paravirtKernelOn: null, dmi: null, systemdVirtualization: null,
    cpuBrand: null, cpuDetectedKhz: null, tscDetectedTscKhz: null, tscRefinedKhz: null, tscFromHypervisorKhz: null,
    hypervisorFreqPending: false, calibration: null, kvmClock: false, clocksourceSwitches: [], clocksourceRegistrations: [],
    tscUnstableEvents: [], verdicts: [], hpetHz: null, tscDeadlineTimer: null, timeSync: [], commandLine: null,
    kernelCommandLine: null, sawVersion: false, sawCommandLine: false, sawStampAboveOne: false, touched: false,
  };
}

function hasFacts(s: BootState): boolean {
  return s.kernelVersion !== null || s.hypervisor !== null || s.dmi !== null || s.cpuDetectedKhz !== null || s.tscRefinedKhz !== null
    || s.tscFromHypervisorKhz !== null || s.clocksourceSwitches.length > 0 || s.clocksourceRegistrations.length > 0
    || s.tscUnstableEvents.length > 0 || s.verdicts.length > 0 || s.timeSync.length > 0 || s.commandLine !== null || s.kvmClock;
}

const CAL_RANK: Record<NonNullable<BootState['calibration']>, number> = { pit: 1, pmtimer: 2, hpet: 2, hypervisor: 3 };

/** Frequency a clocksource was registered with, from max_cycles / max_idle_ns (64-bit masks only). */
export function registrationHz(mask: string, maxCyclesHex: string, maxIdleNs: number): number | null {
  if (!/^f{16}$/i.test(mask) || maxIdleNs <= 0) return null;
  // max_idle_ns = max_cycles · (mult − maxadj) / 2^shift / 2 with maxadj = 11 % of mult (clocksource.c).
  const hz = Math.round((Number(BigInt(`0x${maxCyclesHex}`)) * 0.89e9) / (2 * maxIdleNs));
  return Number.isSafeInteger(hz) ? hz : null;
}

function counters(now: string | undefined, last: string | undefined, mask: string | undefined): RawCounters | null {
  if (now === undefined || last === undefined || mask === undefined) return null;
  if (now.length > 16 || last.length > 16 || mask.length > 16) return null;
  return { now: BigInt(`0x${now}`), last: BigInt(`0x${last}`), mask: BigInt(`0x${mask}`) };
}

/** The streaming kernel log parser. */
export function createKernelLogParser(path: string | null = null): KindParser<KernelLogFacts> {
  let b = freshBoot();
  let starts = 0;
  let currentCounted = false;
  const shapes = new Map<KernelLogShape, number>();
  let recognisedLines = 0;

  /** Count the start of the current boot. */
  const countStart = (): void => {
    // A leading fragment of an earlier boot (ring buffer or rotated kern.log) counts only if it said something.
    if (!currentCounted && hasFacts(b)) starts++;
    starts++;
    currentCounted = true;
  };

  const newBoot = (): void => {
    if (currentCounted && !b.touched) return;
    countStart();
    b = freshBoot();
  };

  /** `Linux version` / `Command line:`: a new boot when this one already started, else just count it. */
  const bootMarker = (startsNew: boolean): void => {
    if (startsNew) newBoot();
    else if (!currentCounted) countStart();
  };

  const ref = (key: string, lineNo: number, raw: string): void => {
    b.refs[key] = { line: lineNo, excerpt: excerpt(raw) };
  };

  const tscUnstable = (lineNo: number, raw: string, at: number | null, reason: string): void => {
    add(b.tscUnstableEvents, { line: lineNo, excerpt: excerpt(raw), atSeconds: at, reason });
  };

  /** Open a watchdog verdict block (its continuation lines follow); a verdict on tsc marks it unstable. */
  const verdict = (lineNo: number, raw: string, at: number | null, clocksource: string, cpu: number | null, skewNs: number | null): void => {
    const v: WatchdogVerdict = {
      line: lineNo, excerpt: excerpt(raw), atSeconds: at, cpu, clocksource,
      watchdog: null, skewNs, intervalNs: null, wdNsec: null, csNsec: null,
    };
    add(b.verdicts, { v, lastLine: lineNo, wdRaw: null, csRaw: null });
    if (clocksource === 'tsc') tscUnstable(lineNo, raw, at, 'clocksource watchdog');
    b.touched = true;
  };

  const closeStale = (lineNo: number): OpenVerdict | null => {
    const last = b.verdicts[b.verdicts.length - 1];
    return last !== undefined && lineNo - last.lastLine <= 8 ? last : null;
  };

  /** The message rules, first match wins; true when one matched (the line is kernel evidence). */
  const applyRules = (msg: string, raw: string, lineNo: number, at: number | null): boolean => {
    let m: RegExpExecArray | null;
    if ((m = RE.linuxVersion.exec(msg)) !== null && !msg.includes('vgsvc')) {
      bootMarker(b.touched || b.sawVersion);
      b.sawVersion = true;
      b.touched = true;
      b.kernelVersion = m[1] ?? null;
      ref('kernelVersion', lineNo, raw);
      return true;
    }
    if ((m = RE.kernelCommandLine.exec(msg)) !== null) {
      b.kernelCommandLine = m[1]?.trim() ?? '';
      ref('kernelCommandLine', lineNo, raw);
      b.touched = true;
      return true;
    }
    if ((m = RE.commandLine.exec(msg)) !== null) {
      bootMarker(b.sawCommandLine);
      b.sawCommandLine = true;
      b.touched = true;
      b.commandLine = m[1]?.trim() ?? '';
      ref('commandLine', lineNo, raw);
      return true;
    }

    // Watchdog verdict blocks first: their continuation lines mention clocksources too.
    if ((m = RE.verdictNew.exec(msg)) !== null) {
      verdict(lineNo, raw, at, m[2] ?? '', safeInt(m[1]), null);
      return true;
    }
    if ((m = RE.verdictOld.exec(msg)) !== null) {
      verdict(lineNo, raw, at, m[1] ?? '', null, safeSignedInt(m[2]));
      return true;
    }
    if (msg.includes("' wd_n") || msg.includes("' cs_n") || msg.includes(' skewed ')) {
      const open = closeStale(lineNo);
      if (open !== null) {
        open.lastLine = lineNo;
        if ((m = RE.skewed.exec(msg)) !== null) {
          open.v.skewNs = safeSignedInt(m[2]);
          open.v.watchdog = m[3] ?? open.v.watchdog;
          open.v.intervalNs = safeInt(m[4]);
          return true;
        }
        if ((m = RE.wdLine.exec(msg)) !== null) {
          open.v.watchdog = m[1] ?? null;
          open.v.wdNsec = safeSignedInt(m[2]);
        }
        let r: RegExpExecArray | null;
        if ((r = RE.wdRaw.exec(msg)) !== null) {
          open.v.watchdog = r[1] ?? null;
          open.wdRaw = counters(r[2], r[3], r[4]);
        }
        if ((m = RE.csLine.exec(msg)) !== null) open.v.csNsec = safeSignedInt(m[2]);
        if ((r = RE.csRaw.exec(msg)) !== null) open.csRaw = counters(r[2], r[3], r[4]);
        return true;
      }
    }

    if ((m = RE.switched.exec(msg)) !== null || (m = RE.installed.exec(msg)) !== null) {
      const to = m[1] ?? '';
      add(b.clocksourceSwitches, { line: lineNo, excerpt: excerpt(raw), atSeconds: at, to });
      if (to === 'kvm-clock') b.kvmClock = true;
      b.touched = true;
      return true;
    }
    if ((m = RE.registration.exec(msg)) !== null) {
      const name = m[1] ?? '';
      const maxIdleNs = safeInt(m[4]);
      // A max_idle_ns no double holds exactly is no kernel's line: keep no half-read registration.
      if (maxIdleNs === null) return true;
      add(b.clocksourceRegistrations, {
        line: lineNo, excerpt: excerpt(raw), name, mask: `0x${m[2] ?? ''}`, maxCycles: `0x${m[3] ?? ''}`, maxIdleNs,
        impliedHz: registrationHz(m[2] ?? '', m[3] ?? '', maxIdleNs),
      });
      if (name === 'kvm-clock') b.kvmClock = true;
      b.touched = true;
      return true;
    }
    if ((m = RE.markTsc.exec(msg)) !== null) {
      const reason = m[1] ?? '';
      // 6.x prints this right after a watchdog verdict on tsc that already recorded the event.
      const open = closeStale(lineNo);
      if (!(reason === 'clocksource watchdog' && open !== null && open.v.clocksource === 'tsc')) tscUnstable(lineNo, raw, at, reason);
      b.touched = true;
      return true;
    }
    if ((msg.includes('marking TSC unstable') || msg.includes('Marking it as unstable')) && (m = RE.markTscOld.exec(msg)) !== null) {
      tscUnstable(lineNo, raw, at, m[1] !== undefined ? `${m[1]} detected` : 'TSC running slowly');
      b.touched = true;
      return true;
    }
    if ((m = RE.markClocksourceTsc.exec(msg)) !== null) {
      const why = (m[1] ?? '').replace(/[.:]$/, '').trim();
      const reason = /read-back delay/.test(msg) ? 'watchdog read-back delay' : why !== '' ? why : 'clocksource marked unstable';
      tscUnstable(lineNo, raw, at, reason);
      b.touched = true;
      return true;
    }
    if (RE.foundUnstable.test(msg)) {
      tscUnstable(lineNo, raw, at, 'found unstable after boot');
      b.touched = true;
      return true;
    }

    if ((m = RE.fromHypervisor.exec(msg)) !== null) {
      b.tscFromHypervisorKhz = mhzToKhz(m[1] ?? '');
      b.calibration = 'hypervisor';
      ref('tscFromHypervisorKhz', lineNo, raw);
      ref('tscCalibration', lineNo, raw);
      b.touched = true;
      return true;
    }
    if (RE.fromHypervisorOld.test(msg)) {
      b.hypervisorFreqPending = true;
      b.calibration = 'hypervisor';
      ref('tscCalibration', lineNo, raw);
      b.touched = true;
      return true;
    }
    if ((m = RE.detectedTsc.exec(msg)) !== null) {
      b.tscDetectedTscKhz = mhzToKhz(m[1] ?? '');
      ref('tscDetectedKhz', lineNo, raw);
      b.touched = true;
      return true;
    }
    if ((m = RE.detectedProcessor.exec(msg)) !== null) {
      b.cpuDetectedKhz = mhzToKhz(m[1] ?? '');
      ref('cpuDetectedKhz', lineNo, raw);
      if (b.tscDetectedTscKhz === null) ref('tscDetectedKhz', lineNo, raw);
      if (b.hypervisorFreqPending) {
        b.tscFromHypervisorKhz = b.cpuDetectedKhz;
        b.hypervisorFreqPending = false;
        ref('tscFromHypervisorKhz', lineNo, raw);
      }
      b.touched = true;
      return true;
    }
    if ((m = RE.refined.exec(msg)) !== null) {
      b.tscRefinedKhz = mhzToKhz(m[1] ?? '');
      ref('tscRefinedKhz', lineNo, raw);
      b.touched = true;
      return true;
    }
    if ((m = RE.calRef.exec(msg)) !== null) {
      const cal = m[1] === 'HPET' ? 'hpet' : 'pmtimer';
      if (b.calibration === null || CAL_RANK[b.calibration] <= CAL_RANK[cal]) { b.calibration = cal; ref('tscCalibration', lineNo, raw); }
      b.touched = true;
      return true;
    }
    if (RE.calPit.test(msg)) {
      if (b.calibration === null) { b.calibration = 'pit'; ref('tscCalibration', lineNo, raw); }
      b.touched = true;
      return true;
    }
    if ((m = RE.hypervisor.exec(msg)) !== null) {
      b.hypervisor = (m[1] ?? '').trim();
      ref('hypervisor', lineNo, raw);
      b.touched = true;
      return true;
    }
    if ((m = RE.paravirt.exec(msg)) !== null) {
      b.paravirtKernelOn = (m[1] ?? '').trim();
      ref('paravirtKernelOn', lineNo, raw);
      b.touched = true;
      return true;
    }
    if ((m = RE.dmi.exec(msg)) !== null) {
      if (b.dmi === null) { b.dmi = (m[1] ?? '').trim(); ref('dmi', lineNo, raw); b.touched = true; }
      return true;
    }
    if ((m = RE.systemdVirt.exec(msg)) !== null) {
      b.systemdVirtualization = m[1] ?? null;
      ref('systemdVirtualization', lineNo, raw);
      b.touched = true;
      return true;
    }
    if (RE.kvmClock.test(msg)) {
      b.kvmClock = true;
      if (b.refs.kvmClock === undefined) ref('kvmClock', lineNo, raw);
      b.touched = true;
      return true;
    }
    if ((m = RE.hpet.exec(msg)) !== null) {
      const frac = (m[2] ?? '').padEnd(6, '0');
      const mhz = safeInt(m[1]);
      const hz = mhz === null ? null : mhz * 1_000_000 + Number(frac);
      b.hpetHz = hz !== null && Number.isSafeInteger(hz) ? hz : null;
      ref('hpetHz', lineNo, raw);
      b.touched = true;
      return true;
    }
    if (RE.deadlineOn.test(msg)) {
      b.tscDeadlineTimer = true;
      ref('tscDeadlineTimer', lineNo, raw);
      return true;
    }
    if (RE.deadlineOff.test(msg)) {
      b.tscDeadlineTimer = false;
      ref('tscDeadlineTimer', lineNo, raw);
      return true;
    }
    if (b.cpuBrand === null && ((msg.includes('CPU0: ') && (m = RE.cpu0.exec(msg)) !== null) || (m = RE.cpuUp.exec(msg)) !== null)) {
      const brand = (m[1] ?? '').replace(/\s+/g, ' ').trim();
      // `CPU0: Thermal monitoring enabled (TM1)` and friends are not brand strings.
      if (!/^(?:Thermal|Intel P|AMD C|Features|L1|L2|attaching)/.test(brand) && !/\b(?:enabled|disabled)\b/.test(brand)) {
        b.cpuBrand = brand;
        ref('cpuBrand', lineNo, raw);
        b.touched = true;
      }
      return true;
    }
    // VBoxService lines forwarded by vboxguest (its own `HH:MM:SS.uuuuuu timesync …` prefix), or 4.3's
    // function names; not Hyper-V's `hv_utils: TimeSync IC version 4.0`. The same reader as VBox.log's.
    if (RE.vboxTimeSync.test(msg)) {
      for (const t of parseTimeSyncMessages(msg)) add(b.timeSync, { line: lineNo, excerpt: excerpt(raw), atSeconds: at, ...t });
      b.touched = true;
      return true;
    }
    return false;
  };

  return {
    push(raw, lineNo) {
      // /dev/kmsg continuation records (` SUBSYSTEM=…`) carry no message.
      if (raw.charCodeAt(0) === 32 && /^ [A-Z_]+=/.test(raw)) return;
      // journalctl's boot separators (`-- Boot 3f2a… --`, older `-- Reboot --`).
      if (raw.charCodeAt(0) === 45 && /^-- (?:Boot [0-9a-f]+|Reboot) --\s*$/.test(raw)) {
        bootMarker(b.touched);
        return;
      }
      const sp = splitPrefix(raw);
      if (sp.shape !== 'plain' || sp.msg !== '') shapes.set(sp.shape, (shapes.get(sp.shape) ?? 0) + 1);
      const msg = sp.msg;
      // Stamps back at exactly zero after a second had passed: the ring buffer of a new boot.
      if (sp.tsZero && b.sawStampAboveOne && !msg.includes('Linux version')) newBoot();
      if (sp.ts !== null && sp.ts >= 1 && !b.sawStampAboveOne) {
        b.sawStampAboveOne = true;
        b.touched = true;
      }
      const at = sp.ts;
      if ((GATE.test(msg) && applyRules(msg, raw, lineNo, at)) || hasKernelPrefix(raw, sp)) recognisedLines++;
    },

    recognised: () => recognisedLines,

    finish() {
      const boot = b;
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
      return {
        path,
        refs,
        format,
        boots: Math.max(1, starts),
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
        hpetHz: boot.hpetHz,
        tscDeadlineTimer: boot.tscDeadlineTimer,
        timeSync: boot.timeSync,
        commandLine,
      };
    },
  };
}

function elapsedNs(c: RawCounters, hz: number): number {
  const ticks = (c.now - c.last) & c.mask;
  return Math.round((Number(ticks) * 1e9) / hz);
}

/** Counter rate of a clocksource whose rate the log (or the hardware) fixes; null when unknown. */
function counterHz(name: string | null, tscKhz: number | null, hpetHz: number | null): number | null {
  switch (name) {
    case 'acpi_pm': return ACPI_PM_HZ;
    case 'hpet': return hpetHz;
    case 'kvm-clock':
    case 'xen': return 1_000_000_000;
    case 'hyperv_clocksource_tsc_page':
    case 'hyperv_clocksource_msr': return 10_000_000;
    case 'tsc':
    case 'tsc-early': return tscKhz === null ? null : tscKhz * 1000;
    default: return null;
  }
}

function finishVerdict(o: OpenVerdict, tscKhz: number | null, hpetHz: number | null): WatchdogVerdict {
  const v = { ...o.v };
  if (v.skewNs === null && v.wdNsec !== null && v.csNsec !== null) {
    v.skewNs = v.csNsec - v.wdNsec;
    v.intervalNs = v.wdNsec;
  }
  if (v.skewNs === null && o.wdRaw !== null && o.csRaw !== null) {
    // Eras B/C print raw counters only: convert them with rates the log itself states.
    const wdHz = counterHz(v.watchdog, tscKhz, hpetHz);
    const csHz = counterHz(v.clocksource, tscKhz, hpetHz);
    if (wdHz !== null && csHz !== null && wdHz > 0 && csHz > 0) {
      const wd = elapsedNs(o.wdRaw, wdHz);
      v.skewNs = elapsedNs(o.csRaw, csHz) - wd;
      v.intervalNs = wd;
    }
  }
  return v;
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
