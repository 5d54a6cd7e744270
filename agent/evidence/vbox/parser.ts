/**
 * VirtualBox host `VBox.log` → VboxFacts. Pure, streaming, one pass (formats.md §4).
 *
 * Every era 1.6–7.2 is read: the TM line flips between hex-first (`0x… (dec)`, ≤4.3 and every
 * `(state load)` line) and decimal-first (`dec (0x…)`, 5.0+), numbers are grouped with spaces, old
 * IPRT pads `%RTbool`, 7.x aligns `TM:     `, Windows hosts write CRLF, and forum pastes add a leading
 * space, `> ` quoting or BBCode tags. The hex companion is authoritative whenever printed.
 *
 * Speed: `wants` (vbox-prefilter.ts) rejects nearly every line on its raw bytes, so `push` — where
 * the regexes live — sees only the few hundred lines a log has about time. A concatenation of many
 * logs keeps the facts of VM start from the first one (first wins) and caps every event list.
 */
import type { CpuidRegs, VboxCatchUpGiveUp, VboxFacts, VboxGimKvmSystemTime, VboxHostPowerEvent, VboxParavirtProvider, VboxTscMode, VboxTscModeSwitch } from './facts.js';
import type { LineRef, TimeSyncLogLine } from '../kind.js';
import { excerpt } from '../text/lines.js';
import type { KindParser } from '../kind.js';
import { safeInt, safeSignedInt } from '../../util/numbers.js';
import { median } from '../../util/stats.js';
import {
  DONE_FULL_NAME, DONE_GIM_PROVIDER, DONE_GIP, DONE_GUEST_OS, DONE_HEADER, DONE_INIT_FINALIZE, DONE_LOG_OPENED, DONE_OS_PRODUCT,
  DONE_KVM_LIST, DONE_OS_RELEASE, DONE_TIED, DONE_TSC, DONE_TSC_HOST,
  lastSeconds, messageStart, prefilterState, screenPrefixes, screenVersion, wantsLine,
} from './prefilter.js';
import { mentionsTimeSync, parseTimeSyncMessages } from './timesync.js';
import {
  anyInt, brandNominalHz, cpuidVendor, familyModel, groupedInt, hexInt, hexOrDecimalPair, inferredCrystalHz,
  legacyTscMode, paravirtProvider, pvclockHz, regsAscii, rtBool, tscMode, tscModeName,
} from './values.js';

/** Event lists keep at most this many entries (a hostile or concatenated file must not grow memory). */
export const MAX_VBOX_EVENTS = 1000;
/** At most this many per-CPU GIP rates (more host CPUs than any VirtualBox supports). */
const MAX_GIP_CPUS = 1024;

// ───────────── detection ─────────────

const HEADER = /^[ \t]?(?:\d{2,}:\d{2}:\d{2}\.\d{3,9} )?VirtualBox(?: VM)? \d+\.\d+\.\d+\S* r\d+ \S+ \([^\n]*\) release log/m;
// `[ \t]`, never `\s`: with /m a `\s*` would run across newlines and make a head of blank lines quadratic.
const MARKERS = /^(?:[ \t]*>)*[ \t]*(?:\[[^\]\n]*\])?[ \t]*\d{2,}:\d{2}:\d{2}\.\d{3,9} (?:TM: |TMR3|GIM: |CPUM: |HWACCM: |HM: |PGM: |CFGM|\*+ (?:CFGM|CPUID) dump|Hst: |Gst: |VMMDev: |PDM: |SUP: |Changing the VM state)/gm;

/**
 * Does the start of a file look like a VBox.log? True for the release-log header (any era, with or
 * without the elapsed-time prefix), or — for fragments without header — at least three timestamped
 * lines from VirtualBox components (TM, GIM, CPUM, HM/HWACCM, PGM, CFGM, CPUID rows, VMMDev, …).
 */
export function looksLikeVboxLog(head: string): boolean {
  if (HEADER.test(head)) return true;
  let n = 0;
  MARKERS.lastIndex = 0;
  while (MARKERS.exec(head) !== null) {
    if (++n >= 3) return true;
  }
  return false;
}

// ───────────── line grammar ─────────────

const PREFIX = /^(?:\s*>)*\s*(?:\[\/?[A-Za-z]+(?:=[^\]]*)?\])*\s?(\d{2,7}):(\d{2}):(\d{2})\.(\d{3,9})(?: |$)/;
// The common shape, tried first (no paste junk, 2-digit hours).
const FAST_PREFIX = /^(\d\d):(\d\d):(\d\d)\.(\d{6}|\d{3})(?: |$)/;
const LEAD_JUNK = /^(?:\s*>)*\s*(?:\[\/?[A-Za-z]+(?:=[^\]]*)?\])*[\s>]*/;
const TRAIL_TAG = /\[\/[A-Za-z]{1,16}\]$/;

const NUM = String.raw`(0x[0-9a-fA-F]+|\d[\d ,.\u00a0\u202f']*\d|\d)`;
const TSC_LINE = new RegExp(String.raw`cTSCTicksPerSecond=\s*${NUM}(?:\s*\(\s*${NUM}\s*\))?`);
const TSC_HOST_LINE = new RegExp(String.raw`cTSCTicksPerSecondHost=\s*${NUM}(?:\s*\(\s*${NUM}\s*\))?`);
const GIP_HZ = new RegExp(String.raw`u64CpuHz=\s*${NUM}(?:\s*\(\s*${NUM}\s*\))?`);
const ENM_MODE = /enmTSCMode=\s*(\d+)(?:\s*\(\s*([A-Za-z]+)\s*\))?/;
const LEGACY_FLAGS = /fTSCVirtualized=\s*(true|false)\s+fTSCUseRealTSC=\s*(true|false)/i;
const MULTIPLIER = /TSCMultiplier=\s*(\d+)/;
const GIP_MODE = /GIP - u32Mode=\s*(\d+)\s*\(([^)]*)\)/;
const GIP_CPU = /enmState=\s*(\d+)\s+u64CpuHz=\s*(\d+)/;
const TIED = /TSCTiedToExecution=\s*(true|false)/i;
const SWITCH_ALLOWED = /fTSCModeSwitchAllowed=\s*(true|false)/i;
const SWITCHING = /Switching TSC mode from '([^']*)' to '([^']*)'/;
const GIVE_UP = /Giving up catch-up attempt at a ([\d ]+?) ?ns lag; new total: ([\d ]+)/;
const NOT_BOTHER = /Not bothering to attempt catching up a ([\d ]+?) ?ns lag; new total: ([\d ]+)/;
const ABORT = /Aborting catch-up attempt on reset with a ([\d ]+?) ?ns lag(?: on reset)?; new total: ([\d ]+)/;
const UTC_NOW = /nsPrev=(-?[\d ]+?) -> cNsDelta=/;
const WARP = /u32VirtualWarpDrivePercentage=\s*(\d+)/;
const GIM_PROVIDER = /^GIM: Using provider '([^']*)'/;
const KVM_SYSTIME = /^GIM: KVM: VCPU\s*(\d+): Enabled system-time struct/;
const TSC_SCALE = /u32TscScale=\s*(0x[0-9a-fA-F]+|\d+)/;
const TSC_SHIFT = /i8TscShift=\s*(-?\d+)/;
const TSC_KHZ = /TscKHz=\s*(\d+)/;
const CPUID_ROW = /^(Gst|Hst):\s*(?:([0-9a-fA-F]{8})(?:\/([0-9a-fA-F]{4}))?\s+)?([0-9a-fA-F]{8})\s+([0-9a-fA-F]{8})\s+([0-9a-fA-F]{8})\s+([0-9a-fA-F]{8})/;
const FULL_NAME = /^Full Name:\s*(.*)$/;
const HEADER_LINE = /^VirtualBox(?: VM)? (\d+\.\d+\.\d+)(\S*) r(\d+) (\S+) \(/;
const ADDITIONS = /Guest Additions information report: Version (\d+\.\d+\.\d+)/;
const CFGM_NODE = /^\[(\/[^\]]*)\] \(level \d+\)/;
const CFGM_KEY = /^\s+(\S+)\s*<(\w+)>\s*=\s*(.*)$/;
const CFGM_STRING = /^"(.*)" \(cb=\d+\)$/;
const CFGM_INTEGER = /^(0x[0-9a-fA-F]+)/;
/** Messages that are VirtualBox's even without the elapsed-time prefix (a paste of a few lines). */
const UNSTAMPED = /^(?:TM: |TMR3|GIM: |CPUM: |HM: |HWACCM: |PGM: |Hst: |Gst: |VMMDev: |Full Name:|VirtualBox (?:VM )?\d+\.\d+\.\d+|Guest OS type:|Log opened |OS Product:|OS Release:|Pausing VM execution|Resuming VM execution|\*+ (?:CFGM|CPUID) dump)/;
const EXTRADATA = /^\s+VBoxInternal\/([^=\s]+)="(.*)"(?: \(global\))?$/;

const TARGET_OS: Record<string, string> = {
  win: 'Windows', darwin: 'macOS', linux: 'Linux', solaris: 'Solaris', freebsd: 'FreeBSD', os2: 'OS/2',
};

/**
 * The settings that shape time, read both from the CFGM dump and from `VBoxInternal/…` extradata
 * lines, keyed by their extradata path (the CFGM node without its leading `/`, then the key).
 */
const TIME_SETTINGS: ReadonlyMap<string, keyof VboxFacts['extradata']> = new Map([
  ['TM/TSCTicksPerSecond', 'tscTicksPerSecond'],
  ['TM/TSCMode', 'tscMode'],
  ['TM/WarpDrivePercentage', 'warpDrivePercentage'],
  ['Devices/VMMDev/0/Config/GetHostTimeDisabled', 'getHostTimeDisabled'],
]);

const safeOrNull = (n: number): number | null => (Number.isSafeInteger(n) ? n : null);

/** A streaming VBox.log parser (usable with `parseFile`/`parseText`). */
export function createVboxParser(path: string | null = null): KindParser<VboxFacts> {
  const state = prefilterState();
  let recognisedLines = 0;
  const refs: Record<string, LineRef> = {};

  let version: string | null = null;
  let versionRaw: string | null = null;
  let revision: string | null = null;
  let hostTarget: string | null = null;
  let osProduct: string | null = null;
  let osRelease: string | null = null;
  let logOpenedAt: string | null = null;
  let vmName: string | null = null;
  let guestOsType: string | null = null;
  let vcpus: number | null = null;
  let tscTicks: number | null = null;
  let tscHost: number | null = null;
  let gipCpuHz: number | null = null;
  let gipMode: string | null = null;
  const gipPerCpuHz: number[] = [];
  let gipBlock: 'before' | 'open' | 'closed' = 'before';
  let mode: VboxTscMode | null = null;
  let sawTm = false;
  let switchedToReal = false;
  let switchAllowed: boolean | null = null;
  let multiplier: number | null = null;
  let tied: boolean | null = null;
  let stateLoadTicks: number | null = null;
  let stateLoadIncompatible = false;
  let gimProvider: VboxParavirtProvider | null = null;
  let cfgmProvider: VboxParavirtProvider | null = null;
  let cfgmProviderRef: LineRef | null = null;
  const switches: VboxTscModeSwitch[] = [];
  const kvmSystemTime: VboxGimKvmSystemTime[] = [];
  const catchUps: VboxCatchUpGiveUp[] = [];
  const powerEvents: VboxHostPowerEvent[] = [];
  const timeSync: TimeSyncLogLine[] = [];
  let additions: string | null = null;
  const extradata: VboxFacts['extradata'] = { tscTicksPerSecond: null, tscMode: null, getHostTimeDisabled: null, warpDrivePercentage: null };

  // CFGM dump: only the first dump counts (later ones belong to another VM start in a concatenation);
  // `state.cfgmDone`/`state.cpuidDone` say when the first CFGM/CPUID dump has ended.
  let cfgmNode: string | null = null;
  // CPUID dump: an `Hst:` row without its own leaf label belongs to the preceding `Gst:` row.
  let lastGstLeaf: number | null = null;
  let lastGstSub = 0;
  const hostLeaves = new Map<number, CpuidRegs>();
  const hostLeafRefs = new Map<number, LineRef>();
  let fullName: string | null = null;

  const push = <T>(list: T[], item: T): void => {
    if (list.length < MAX_VBOX_EVENTS) list.push(item);
  };

  function setRef(key: string, ref: LineRef): void {
    refs[key] = ref;
  }

  function onTm(msg: string, ref: () => LineRef, at: number | null): void {
    sawTm = true;
    if (msg.startsWith('TM: GIP - CPU:')) {
      if (gipBlock === 'closed' || gipPerCpuHz.length >= MAX_GIP_CPUS) return;
      const m = GIP_CPU.exec(msg);
      gipBlock = 'open';
      const hz = m === null || m[1] !== '3' ? null : safeInt(m[2]);
      if (hz !== null) gipPerCpuHz.push(hz);
      return;
    }
    if (gipBlock === 'open') gipBlock = 'closed';
    if (gipBlock === 'closed' && gipMode !== null && gipCpuHz !== null) state.done |= DONE_GIP;
    if (msg.startsWith('TM: GIP - ')) {
      const mm = GIP_MODE.exec(msg);
      if (mm !== null && gipMode === null) {
        gipMode = mm[2]!.trim();
        setRef('gipMode', ref());
      }
      const hz = GIP_HZ.exec(msg);
      if (hz !== null && gipCpuHz === null) {
        gipCpuHz = hexOrDecimalPair(hz[1]!, hz[2]);
        if (gipCpuHz !== null) setRef('gipCpuHz', ref());
      }
      return;
    }
    if (msg.includes('cTSCTicksPerSecondHost=')) {
      const m = TSC_HOST_LINE.exec(msg);
      if (m !== null && tscHost === null) {
        tscHost = hexOrDecimalPair(m[1]!, m[2]);
        if (tscHost !== null) { setRef('cTSCTicksPerSecondHost', ref()); state.done |= DONE_TSC_HOST; }
      }
      return;
    }
    if (msg.includes('cTSCTicksPerSecond=')) {
      const m = TSC_LINE.exec(msg);
      const value = m === null ? null : hexOrDecimalPair(m[1]!, m[2]);
      if (msg.includes('(state load)')) {
        if (value !== null) {
          stateLoadTicks = value;
          setRef('stateLoadTscTicksPerSecond', ref());
        }
        return;
      }
      if (tscTicks !== null || value === null) return;
      tscTicks = value;
      setRef('tscTicksPerSecond', ref());
      state.done |= DONE_TSC;
      const em = ENM_MODE.exec(msg);
      if (em !== null) {
        mode = tscMode(em[1], em[2]);
      } else {
        const lf = LEGACY_FLAGS.exec(msg);
        if (lf !== null) mode = legacyTscMode(rtBool(lf[1]), rtBool(lf[2]));
      }
      if (mode !== null) setRef('tscMode', ref());
      const mul = MULTIPLIER.exec(msg);
      multiplier = safeInt(mul?.[1]);
      if (multiplier !== null) setRef('tscMultiplier', ref());
      return;
    }
    if (msg.includes('TSCTiedToExecution=')) {
      const m = TIED.exec(msg);
      if (m !== null && tied === null) {
        tied = rtBool(m[1]);
        setRef('tscTiedToExecution', ref());
        state.done |= DONE_TIED;
      }
      return;
    }
    if (msg.includes('TMR3InitFinalize:')) {
      const m = SWITCH_ALLOWED.exec(msg);
      if (m !== null && switchAllowed === null) {
        switchAllowed = rtBool(m[1]);
        setRef('tscModeSwitchAllowed', ref());
        state.done |= DONE_INIT_FINALIZE;
      }
      return;
    }
    if (msg.includes('Switching TSC mode')) {
      const m = SWITCHING.exec(msg);
      if (m === null) return;
      const to = tscModeName(m[2]);
      if (to === 'RealTscOffset') switchedToReal = true;
      push(switches, { ...ref(), atSeconds: at, from: tscModeName(m[1]), to });
      return;
    }
    if (msg.includes('TSC frequency incompatible!')) {
      stateLoadIncompatible = true;
      setRef('stateLoadTscIncompatible', ref());
      return;
    }
    if (msg.includes('catch')) {
      let m = GIVE_UP.exec(msg);
      let kind: VboxCatchUpGiveUp['kind'] = 'gave-up';
      if (m === null) { m = NOT_BOTHER.exec(msg); kind = 'not-bothering'; }
      if (m === null) { m = ABORT.exec(msg); kind = 'aborted-on-reset'; }
      if (m === null) return;
      const lagNs = groupedInt(m[1]!);
      if (lagNs === null) return;
      push(catchUps, { ...ref(), atSeconds: at, kind, lagNs, totalNs: groupedInt(m[2]!.trim()) });
      return;
    }
    if (msg.startsWith('TMR3UtcNow:')) {
      // The first call compares with nsPrev=0 (VM start), which is not a jump.
      // nsPrev is a UTC time in ns (≈1.7e18, beyond exact doubles): only whether it is zero matters.
      const m = UTC_NOW.exec(msg);
      const prev = m === null ? '' : m[1]!.replace(/[ ,.\u00a0\u202f']/g, '');
      if (/^-?\d+$/.test(prev) && !/^-?0+$/.test(prev)) push(powerEvents, { ...ref(), atSeconds: at, kind: 'utc-jump' });
      return;
    }
    if (msg.includes('WarpDrivePercentage=')) {
      const m = WARP.exec(msg);
      if (m !== null && extradata.warpDrivePercentage === null && safeInt(m[1]) !== null) {
        extradata.warpDrivePercentage = safeInt(m[1]);
        setRef('extradata.warpDrivePercentage', ref());
      }
    }
  }

  function onGim(msg: string, ref: () => LineRef, at: number | null): void {
    const p = GIM_PROVIDER.exec(msg);
    if (p !== null) {
      if (gimProvider === null) {
        gimProvider = paravirtProvider(p[1]!);
        if (gimProvider !== null) setRef('paravirtProvider', ref());
      }
      state.done |= DONE_GIM_PROVIDER;
      return;
    }
    const k = KVM_SYSTIME.exec(msg);
    if (k === null) return;
    const scaleM = TSC_SCALE.exec(msg);
    const shiftM = TSC_SHIFT.exec(msg);
    const khzM = TSC_KHZ.exec(msg);
    const scale = scaleM === null ? null : scaleM[1]!.startsWith('0x') ? hexInt(scaleM[1]!) : safeInt(scaleM[1]);
    const shift = safeSignedInt(shiftM?.[1]);
    const vcpu = safeInt(k[1]);
    if (vcpu === null) return;
    push(kvmSystemTime, {
      ...ref(),
      atSeconds: at,
      vcpu,
      tscScale: scale,
      tscShift: shift,
      tscKhzPrinted: safeInt(khzM?.[1]),
      impliedHz: scale === null || shift === null ? null : pvclockHz(scale, shift),
    });
    if (kvmSystemTime.length >= MAX_VBOX_EVENTS) state.done |= DONE_KVM_LIST;
  }

  function onCpuid(msg: string, ref: () => LineRef): void {
    if (state.cpuidDone) return;
    const m = CPUID_ROW.exec(msg);
    if (m === null) return;
    const leafText = m[2];
    const sub = m[3] === undefined ? 0 : Number.parseInt(m[3], 16);
    const regs: CpuidRegs = {
      eax: Number.parseInt(m[4]!, 16), ebx: Number.parseInt(m[5]!, 16), ecx: Number.parseInt(m[6]!, 16), edx: Number.parseInt(m[7]!, 16),
    };
    if (m[1] === 'Gst') {
      lastGstLeaf = leafText === undefined ? null : Number.parseInt(leafText, 16);
      lastGstSub = sub;
      return;
    }
    let leaf: number | null;
    let leafSub: number;
    if (leafText !== undefined) {
      leaf = Number.parseInt(leafText, 16);
      leafSub = sub;
    } else {
      leaf = lastGstLeaf;
      leafSub = lastGstSub;
    }
    lastGstLeaf = null;
    if (leaf === null || leafSub !== 0 || hostLeaves.has(leaf)) return;
    hostLeaves.set(leaf, regs);
    hostLeafRefs.set(leaf, ref());
  }

  function onCfgm(msg: string, ref: () => LineRef): void {
    if (state.cfgmDone || cfgmNode === null) return;
    const m = CFGM_KEY.exec(msg);
    if (m === null) return;
    const [, key, type, rawValue] = m as unknown as [string, string, string, string];
    const str = type === 'string' ? CFGM_STRING.exec(rawValue)?.[1] ?? null : null;
    const int = type === 'integer' ? (() => { const h = CFGM_INTEGER.exec(rawValue); return h === null ? null : hexInt(h[1]!); })() : null;
    switch (cfgmNode) {
      case '/':
        if (key === 'Name' && str !== null && vmName === null) { vmName = str; setRef('vmName', ref()); }
        else if (key === 'NumCPUs' && int !== null && vcpus === null) { vcpus = int; setRef('vcpus', ref()); }
        return;
      case '/GIM/':
        if (key === 'Provider' && str !== null && cfgmProvider === null) { cfgmProvider = paravirtProvider(str); cfgmProviderRef = ref(); }
        return;
      // Only these two nodes: a key holding `/` under another node must not pass for one of their keys.
      case '/TM/':
      case '/Devices/VMMDev/0/Config/':
        onTimeSetting(cfgmNode.slice(1) + key, str, int, ref);
        return;
      default:
    }
  }

  function onExtradata(msg: string, ref: () => LineRef): void {
    const m = EXTRADATA.exec(msg);
    if (m !== null) onTimeSetting(m[1]!, m[2]!.replace(/^string:/i, ''), null, ref);
  }

  /**
   * One of TIME_SETTINGS (the last one given wins). `text` is the value as text (null for a CFGM value
   * of another type), `int` a CFGM `<integer>` value; a numeric setting takes `int`, else reads `text`.
   */
  function onTimeSetting(path: string, text: string | null, int: number | null, ref: () => LineRef): void {
    const field = TIME_SETTINGS.get(path);
    if (field === undefined) return;
    if (field === 'tscMode') {
      if (text === null) return;
      extradata.tscMode = text;
    } else {
      const v = int ?? (text === null ? null : anyInt(text));
      if (v === null) return;
      if (field === 'getHostTimeDisabled') extradata.getHostTimeDisabled = v !== 0;
      else extradata[field] = v;
    }
    setRef(`extradata.${field}`, ref());
  }

  function onPower(msg: string, ref: () => LineRef, at: number | null): void {
    const q = msg.indexOf("reason '");
    if (q < 0) return;
    const reason = msg.slice(q + 8, msg.indexOf("'", q + 8)).toLowerCase().replace(/[\s_-]/g, '');
    const pausing = msg.startsWith('Pausing');
    let kind: VboxHostPowerEvent['kind'] | null = null;
    if (pausing && reason === 'hostsuspend') kind = 'suspend';
    else if (!pausing && reason === 'hostresume') kind = 'resume';
    else if (pausing && reason === 'hostbatterylow') kind = 'battery-low';
    if (kind !== null) push(powerEvents, { ...ref(), atSeconds: at, kind });
  }

  function onLine(raw: string, lineNo: number): void {
    let line = raw.trimEnd();
    // Forum BBCode closers at the end (`…[/COLOR]`); a bounded loop, so a hostile line of tags stays linear.
    for (let k = 0; k < 3 && line.endsWith(']'); k++) {
      const t = TRAIL_TAG.exec(line.slice(-19));
      if (t === null) break;
      line = line.slice(0, line.length - t[0].length).trimEnd();
    }
    let at: number | null = null;
    let msg: string;
    const fast = FAST_PREFIX.exec(line);
    if (fast !== null) {
      at = Number(fast[1]) * 3600 + Number(fast[2]) * 60 + Number(fast[3]) + Number(fast[4]) / (fast[4]!.length === 6 ? 1e6 : 1e3);
      at = Math.round(at * 1e6) / 1e6;
      msg = line.slice(fast[0].length);
    } else {
      const pm = PREFIX.exec(line);
      if (pm !== null) {
        at = Math.round((Number(pm[1]) * 3600 + Number(pm[2]) * 60 + Number(pm[3]) + Number(`0.${pm[4]}`)) * 1e6) / 1e6;
        msg = line.slice(pm[0].length);
      } else {
        line = line.replace(LEAD_JUNK, '');
        msg = line;
      }
    }
    // A line with VirtualBox's elapsed-time prefix is VBox.log (or VBoxService's log); a bare message
    // counts when it names one of VirtualBox's own components.
    if (at !== null || UNSTAMPED.test(msg)) recognisedLines++;
    let cached: LineRef | null = null;
    const ref = (): LineRef => (cached ??= { line: lineNo, excerpt: excerpt(raw) });

    const c = msg.charCodeAt(0);
    if (msg.startsWith('TM')) return onTm(msg, ref, at);
    if (msg.startsWith('GIM')) return onGim(msg, ref, at);
    if (msg.startsWith('Gst:') || msg.startsWith('Hst:')) return onCpuid(msg, ref);
    if (c === 32) {
      if (msg.trimStart().startsWith('VBoxInternal/')) return onExtradata(msg, ref);
      return onCfgm(msg, ref);
    }
    if (c === 91 /* [ */) {
      const n = CFGM_NODE.exec(msg);
      if (n !== null && !state.cfgmDone) cfgmNode = n[1]!;
      return;
    }
    if (c === 42 /* * */) {
      if (msg.includes('End of CFGM dump')) { if (cfgmNode !== null) state.cfgmDone = true; cfgmNode = null; }
      else if (msg.includes('CFGM dump')) cfgmNode = null;
      else if (msg.includes('End of CPUID dump') && hostLeaves.size > 0) state.cpuidDone = true;
      return;
    }
    if (msg.startsWith('Full Name')) {
      const m = FULL_NAME.exec(msg);
      if (m !== null && fullName === null) {
        const v = m[1]!.trim().replace(/^"(.*)"$/, '$1').trim();
        if (v !== '') { fullName = v; setRef('fullName', ref()); state.done |= DONE_FULL_NAME; }
      }
      return;
    }
    if (msg.startsWith('VirtualBox ')) {
      const m = HEADER_LINE.exec(msg);
      if (m !== null && version === null) {
        version = m[1]!;
        versionRaw = m[1]! + m[2]!;
        revision = m[3]!;
        hostTarget = m[4]!;
        setRef('version', ref());
        state.done |= DONE_HEADER;
      }
      return;
    }
    if (msg.startsWith('VMMDev: Guest Additions')) {
      const m = ADDITIONS.exec(msg);
      if (m !== null) { additions = m[1]!; setRef('guestAdditionsVersion', ref()); }
      return;
    }
    if (msg.startsWith('VMMDev: Guest Log:')) {
      if (!mentionsTimeSync(msg)) return;
      for (const t of parseTimeSyncMessages(msg)) push(timeSync, { ...ref(), atSeconds: at, kind: t.kind, deltaNs: t.deltaNs });
      return;
    }
    if (msg.startsWith('Log opened ')) {
      const v = msg.slice(11).trim();
      if (logOpenedAt === null && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/.test(v)) { logOpenedAt = v; setRef('logOpenedAt', ref()); state.done |= DONE_LOG_OPENED; }
      return;
    }
    if (msg.startsWith('OS Product:')) {
      if (osProduct === null) { osProduct = msg.slice(11).trim(); setRef('hostOs', ref()); state.done |= DONE_OS_PRODUCT; }
      return;
    }
    if (msg.startsWith('OS Release:')) {
      if (osRelease === null) { osRelease = msg.slice(11).trim(); state.done |= DONE_OS_RELEASE; }
      return;
    }
    if (msg.startsWith('Guest OS type:')) {
      const m = /'([^']*)'/.exec(msg);
      if (m !== null && guestOsType === null) { guestOsType = m[1]!; setRef('guestOsType', ref()); state.done |= DONE_GUEST_OS; }
      return;
    }
    if (msg.startsWith('Pausing VM execution') || msg.startsWith('Resuming VM execution')) onPower(msg, ref, at);
  }

  function finish(): VboxFacts {
    const leaf0 = hostLeaves.get(0);
    const leaf1 = hostLeaves.get(1);
    const vendor = leaf0 === undefined ? null : cpuidVendor(leaf0);
    const fm = leaf1 === undefined ? null : familyModel(leaf1.eax);

    const l15 = hostLeaves.get(0x15);
    const leaf15: CpuidRegs | null = l15 === undefined ? null : { ...l15 };
    let cpuidTsc: number | null = null;
    let inferredTsc: number | null = null;
    let inferredCrystal: number | null = null;
    if (leaf15 !== null) {
      setRef('cpuidLeaf15', hostLeafRefs.get(0x15)!);
      if (leaf15.eax !== 0 && leaf15.ebx !== 0) {
        if (leaf15.ecx !== 0) {
          cpuidTsc = safeOrNull(Math.round((leaf15.ecx * leaf15.ebx) / leaf15.eax));
          if (cpuidTsc !== null) setRef('cpuidTscTicksPerSecond', hostLeafRefs.get(0x15)!);
        } else {
          inferredCrystal = inferredCrystalHz(vendor, fm?.family ?? null, fm?.model ?? null);
          inferredTsc = inferredCrystal === null ? null : safeOrNull(Math.round((inferredCrystal * leaf15.ebx) / leaf15.eax));
          if (inferredTsc === null) inferredCrystal = null;
          else setRef('cpuidInferredTscTicksPerSecond', hostLeafRefs.get(0x15)!);
        }
      }
    }
    const l16 = hostLeaves.get(0x16);
    const baseMhz = l16 === undefined || (l16.eax & 0xffff) === 0 ? null : l16.eax & 0xffff;
    if (baseMhz !== null) setRef('cpuidBaseMhz', hostLeafRefs.get(0x16)!);

    let brand: string | null = null;
    const b2 = hostLeaves.get(0x80000002);
    const b3 = hostLeaves.get(0x80000003);
    const b4 = hostLeaves.get(0x80000004);
    if (b2 !== undefined && b3 !== undefined && b4 !== undefined) {
      const s = regsAscii([b2, b3, b4].flatMap((r) => [r.eax, r.ebx, r.ecx, r.edx])).trim();
      // eslint-disable-next-line no-control-regex
      if (s !== '' && !/[\u0000-\u001f\u007f-\uffff]/.test(s)) {
        brand = s;
        setRef('cpuBrand', hostLeafRefs.get(0x80000002)!);
      }
    }
    if (brand === null && fullName !== null) {
      brand = fullName;
      setRef('cpuBrand', refs.fullName!);
    }
    delete refs.fullName;
    const nominal = brand === null ? null : brandNominalHz(brand);

    let hostTsc: number | null = null;
    let hostTscSource: VboxFacts['hostTscSource'] = null;
    if (tscHost !== null) {
      hostTsc = tscHost;
      hostTscSource = 'cTSCTicksPerSecondHost';
      refs.hostTscTicksPerSecond = refs.cTSCTicksPerSecondHost!;
    } else if (gipCpuHz !== null) {
      hostTsc = gipCpuHz;
      hostTscSource = 'gip';
      refs.hostTscTicksPerSecond = refs.gipCpuHz!;
    }
    delete refs.cTSCTicksPerSecondHost;

    let provider = gimProvider;
    if (provider === null && cfgmProvider !== null) {
      provider = cfgmProvider;
      if (cfgmProviderRef !== null) refs.paravirtProvider = cfgmProviderRef;
    }

    let hostOs: string | null = null;
    if (osProduct !== null && osProduct !== '') hostOs = osRelease !== null && osRelease !== '' ? `${osProduct} ${osRelease}` : osProduct;
    else if (hostTarget !== null) {
      hostOs = TARGET_OS[hostTarget.split('.')[0] ?? ''] ?? null;
      if (hostOs !== null && refs.version !== undefined) refs.hostOs = refs.version;
    }

    const perCpu = [...gipPerCpuHz];
    let spread: number | null = null;
    if (perCpu.length >= 2) {
      const mid = median(perCpu);
      // A median of a few Hz is a damaged line, not a CPU: the ratio would be meaningless (and huge).
      if (mid >= 1e6) spread = Math.round(((Math.max(...perCpu) - Math.min(...perCpu)) / mid) * 1e6 * 1000) / 1000;
    }

    return {
      path,
      refs,
      version,
      versionRaw,
      revision,
      hostTarget,
      hostOs,
      logOpenedAt,
      vmName,
      guestOsType,
      vcpus,
      tscTicksPerSecond: tscTicks,
      hostTscTicksPerSecond: hostTsc,
      hostTscSource,
      gipCpuHz,
      gipMode,
      gipPerCpuHz: perCpu,
      gipPerCpuSpreadPpm: spread,
      cpuidLeaf15: leaf15,
      cpuidTscTicksPerSecond: cpuidTsc,
      cpuidInferredTscTicksPerSecond: inferredTsc,
      cpuidInferredCrystalHz: inferredCrystal,
      cpuidBaseMhz: baseMhz,
      cpuBrand: brand,
      brandNominalHz: nominal,
      tscMode: mode,
      tscModeSwitches: switches,
      switchedToRealTscOffset: sawTm ? switchedToReal : null,
      tscModeSwitchAllowed: switchAllowed,
      tscMultiplier: multiplier,
      tscTiedToExecution: tied,
      stateLoadTscTicksPerSecond: stateLoadTicks,
      stateLoadTscIncompatible: stateLoadIncompatible,
      paravirtProvider: provider,
      gimKvmSystemTime: kvmSystemTime,
      extradata: { ...extradata },
      catchUpGiveUps: catchUps,
      hostPowerEvents: powerEvents,
      guestAdditionsVersion: additions,
      timeSync,
      lastSeconds: lastSeconds(state),
    };
  }

  return {
    wants(buf, start, end) {
      return wantsLine(buf, start, end, state);
    },
    push(line, lineNo) {
      onLine(line, lineNo);
    },
    recognised: () => recognisedLines,
    finish,
    screen: {
      prefixes: () => screenPrefixes(state),
      version: () => screenVersion(state),
      // A skipped line is a timestamped one `wantsLine` rejects: all it would do is note the time.
      skipped(buf, start, end) {
        messageStart(buf, start, end, state);
      },
    },
  };
}
