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
  DONE_KVM_LIST, DONE_NEM, DONE_OS_RELEASE, DONE_TIED, DONE_TSC, DONE_TSC_HOST,
  lastSeconds, messageStart, prefilterState, screenPrefixes, screenVersion, wantsLine, type PrefilterState,
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
// `; new total: …` is optional: a paste often keeps the line only up to the lag (issue #837 of VirtualBox).
const GIVE_UP = /Giving up catch-up attempt at a ([\d ]+?) ?ns lag(?:; new total: ([\d ]+))?/;
const NOT_BOTHER = /Not bothering to attempt catching up a ([\d ]+?) ?ns lag(?:; new total: ([\d ]+))?/;
const ABORT = /Aborting catch-up attempt on reset with a ([\d ]+?) ?ns lag(?: on reset)?(?:; new total: ([\d ]+))?/;
const UTC_NOW = /nsPrev=(-?[\d ]+?) -> cNsDelta=/;
const WARP = /u32VirtualWarpDrivePercentage=\s*(\d+)/;
const GIM_PROVIDER = /^GIM: Using provider '([^']*)'/;
const KVM_SYSTIME = /^GIM: KVM: VCPU\s*(\d+): Enabled system-time struct/;
const TSC_SCALE = /u32TscScale=\s*(0x[0-9a-fA-F]+|\d+)/;
const TSC_SHIFT = /i8TscShift=\s*(-?\d+)/;
const TSC_KHZ = /TscKHz=\s*(\d+)/;
const CPUID_ROW = /^(Gst|Hst):\s*(?:([0-9a-fA-F]{8})(?:\/([0-9a-fA-F]{4}))?\s+)?([0-9a-fA-F]{8})\s+([0-9a-fA-F]{8})\s+([0-9a-fA-F]{8})\s+([0-9a-fA-F]{8})/;
const FULL_NAME = /^Full Name:\s*(.*)$/;
const NEM_FALLBACK = /fall(?:ing)? back (?:to|on) NEM:?\s*(.*)$/i;
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

/** Everything the parser has read so far (first-wins facts, event lists, the dump it is in). */
interface VboxState {
  path: string | null;
  state: PrefilterState;
  recognisedLines: number;
  refs: Record<string, LineRef>;
  version: string | null;
  versionRaw: string | null;
  revision: string | null;
  hostTarget: string | null;
  osProduct: string | null;
  osRelease: string | null;
  logOpenedAt: string | null;
  vmName: string | null;
  guestOsType: string | null;
  vcpus: number | null;
  tscTicks: number | null;
  tscHost: number | null;
  gipCpuHz: number | null;
  gipMode: string | null;
  gipPerCpuHz: number[];
  gipBlock: 'before' | 'open' | 'closed';
  mode: VboxTscMode | null;
  sawTm: boolean;
  switchedToReal: boolean;
  switchAllowed: boolean | null;
  multiplier: number | null;
  tied: boolean | null;
  stateLoadTicks: number | null;
  stateLoadIncompatible: boolean;
  gimProvider: VboxParavirtProvider | null;
  cfgmProvider: VboxParavirtProvider | null;
  cfgmProviderRef: LineRef | null;
  switches: VboxTscModeSwitch[];
  kvmSystemTime: VboxGimKvmSystemTime[];
  catchUps: VboxCatchUpGiveUp[];
  powerEvents: VboxHostPowerEvent[];
  timeSync: TimeSyncLogLine[];
  additions: string | null;
  extradata: VboxFacts['extradata'];
  // CFGM dump: only the first dump counts (later ones belong to another VM start in a concatenation);
  // `state.cfgmDone`/`state.cpuidDone` say when the first CFGM/CPUID dump has ended.
  cfgmNode: string | null;
  // CPUID dump: an `Hst:` row without its own leaf label belongs to the preceding `Gst:` row.
  lastGstLeaf: number | null;
  lastGstSub: number;
  hostLeaves: Map<number, CpuidRegs>;
  hostLeafRefs: Map<number, LineRef>;
  fullName: string | null;
  nem: NonNullable<VboxFacts['nem']> | null;
}

function freshState(path: string | null): VboxState {
  return {
    path,
    state: prefilterState(),
    recognisedLines: 0,
    refs: {},
    version: null,
    versionRaw: null,
    revision: null,
    hostTarget: null,
    osProduct: null,
    osRelease: null,
    logOpenedAt: null,
    vmName: null,
    guestOsType: null,
    vcpus: null,
    tscTicks: null,
    tscHost: null,
    gipCpuHz: null,
    gipMode: null,
    gipPerCpuHz: [],
    gipBlock: 'before',
    mode: null,
    sawTm: false,
    switchedToReal: false,
    switchAllowed: null,
    multiplier: null,
    tied: null,
    stateLoadTicks: null,
    stateLoadIncompatible: false,
    gimProvider: null,
    cfgmProvider: null,
    cfgmProviderRef: null,
    switches: [],
    kvmSystemTime: [],
    catchUps: [],
    powerEvents: [],
    timeSync: [],
    additions: null,
    extradata: { tscTicksPerSecond: null, tscMode: null, getHostTimeDisabled: null, warpDrivePercentage: null },
    cfgmNode: null,
    lastGstLeaf: null,
    lastGstSub: 0,
    hostLeaves: new Map<number, CpuidRegs>(),
    hostLeafRefs: new Map<number, LineRef>(),
    fullName: null,
    nem: null,
  };
}

/** Append to a capped event list. */
function push<T>(list: T[], item: T): void {
  if (list.length < MAX_VBOX_EVENTS) list.push(item);
}


function setRef(s: VboxState, key: string, ref: LineRef): void {
  s.refs[key] = ref;
}

function onTm(s: VboxState, msg: string, ref: () => LineRef, at: number | null): void {
  s.sawTm = true;
  if (msg.startsWith('TM: GIP - CPU:')) {
    if (s.gipBlock === 'closed' || s.gipPerCpuHz.length >= MAX_GIP_CPUS) return;
    const m = GIP_CPU.exec(msg);
    s.gipBlock = 'open';
    const hz = m === null || m[1] !== '3' ? null : safeInt(m[2]);
    if (hz !== null) s.gipPerCpuHz.push(hz);
    return;
  }
  if (s.gipBlock === 'open') s.gipBlock = 'closed';
  if (s.gipBlock === 'closed' && s.gipMode !== null && s.gipCpuHz !== null) s.state.done |= DONE_GIP;
  if (msg.startsWith('TM: GIP - ')) {
    const mm = GIP_MODE.exec(msg);
    if (mm !== null && s.gipMode === null) {
      s.gipMode = mm[2]!.trim();
      setRef(s, 'gipMode', ref());
    }
    const hz = GIP_HZ.exec(msg);
    if (hz !== null && s.gipCpuHz === null) {
      s.gipCpuHz = hexOrDecimalPair(hz[1]!, hz[2]);
      if (s.gipCpuHz !== null) setRef(s, 'gipCpuHz', ref());
    }
    return;
  }
  if (msg.includes('cTSCTicksPerSecondHost=')) {
    const m = TSC_HOST_LINE.exec(msg);
    if (m !== null && s.tscHost === null) {
      s.tscHost = hexOrDecimalPair(m[1]!, m[2]);
      if (s.tscHost !== null) { setRef(s, 'cTSCTicksPerSecondHost', ref()); s.state.done |= DONE_TSC_HOST; }
    }
    return;
  }
  if (msg.includes('cTSCTicksPerSecond=')) {
    const m = TSC_LINE.exec(msg);
    const value = m === null ? null : hexOrDecimalPair(m[1]!, m[2]);
    if (msg.includes('(state load)')) {
      if (value !== null) {
        s.stateLoadTicks = value;
        setRef(s, 'stateLoadTscTicksPerSecond', ref());
      }
      return;
    }
    if (s.tscTicks !== null || value === null) return;
    s.tscTicks = value;
    setRef(s, 'tscTicksPerSecond', ref());
    s.state.done |= DONE_TSC;
    const em = ENM_MODE.exec(msg);
    if (em !== null) {
      s.mode = tscMode(em[1], em[2]);
    } else {
      const lf = LEGACY_FLAGS.exec(msg);
      if (lf !== null) s.mode = legacyTscMode(rtBool(lf[1]), rtBool(lf[2]));
    }
    if (s.mode !== null) setRef(s, 'tscMode', ref());
    const mul = MULTIPLIER.exec(msg);
    s.multiplier = safeInt(mul?.[1]);
    if (s.multiplier !== null) setRef(s, 'tscMultiplier', ref());
    return;
  }
  if (msg.includes('TSCTiedToExecution=')) {
    const m = TIED.exec(msg);
    if (m !== null && s.tied === null) {
      s.tied = rtBool(m[1]);
      setRef(s, 'tscTiedToExecution', ref());
      s.state.done |= DONE_TIED;
    }
    return;
  }
  if (msg.includes('TMR3InitFinalize:')) {
    const m = SWITCH_ALLOWED.exec(msg);
    if (m !== null && s.switchAllowed === null) {
      s.switchAllowed = rtBool(m[1]);
      setRef(s, 'tscModeSwitchAllowed', ref());
      s.state.done |= DONE_INIT_FINALIZE;
    }
    return;
  }
  if (msg.includes('Switching TSC mode')) {
    const m = SWITCHING.exec(msg);
    if (m === null) return;
    const to = tscModeName(m[2]);
    if (to === 'RealTscOffset') s.switchedToReal = true;
    push(s.switches, { ...ref(), atSeconds: at, from: tscModeName(m[1]), to });
    return;
  }
  if (msg.includes('TSC frequency incompatible!')) {
    s.stateLoadIncompatible = true;
    setRef(s, 'stateLoadTscIncompatible', ref());
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
    push(s.catchUps, { ...ref(), atSeconds: at, kind, lagNs, totalNs: m[2] === undefined ? null : groupedInt(m[2].trim()) });
    return;
  }
  if (msg.startsWith('TMR3UtcNow:')) {
    // The first call compares with nsPrev=0 (VM start), which is not a jump.
    // nsPrev is a UTC time in ns (≈1.7e18, beyond exact doubles): only whether it is zero matters.
    const m = UTC_NOW.exec(msg);
    const prev = m === null ? '' : m[1]!.replace(/[ ,.\u00a0\u202f']/g, '');
    if (/^-?\d+$/.test(prev) && !/^-?0+$/.test(prev)) push(s.powerEvents, { ...ref(), atSeconds: at, kind: 'utc-jump' });
    return;
  }
  if (msg.includes('WarpDrivePercentage=')) {
    const m = WARP.exec(msg);
    if (m !== null && s.extradata.warpDrivePercentage === null && safeInt(m[1]) !== null) {
      s.extradata.warpDrivePercentage = safeInt(m[1]);
      setRef(s, 'extradata.warpDrivePercentage', ref());
    }
  }
}

function onGim(s: VboxState, msg: string, ref: () => LineRef, at: number | null): void {
  const p = GIM_PROVIDER.exec(msg);
  if (p !== null) {
    if (s.gimProvider === null) {
      s.gimProvider = paravirtProvider(p[1]!);
      if (s.gimProvider !== null) setRef(s, 'paravirtProvider', ref());
    }
    s.state.done |= DONE_GIM_PROVIDER;
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
  push(s.kvmSystemTime, {
    ...ref(),
    atSeconds: at,
    vcpu,
    tscScale: scale,
    tscShift: shift,
    tscKhzPrinted: safeInt(khzM?.[1]),
    impliedHz: scale === null || shift === null ? null : pvclockHz(scale, shift),
  });
  if (s.kvmSystemTime.length >= MAX_VBOX_EVENTS) s.state.done |= DONE_KVM_LIST;
}

function onCpuid(s: VboxState, msg: string, ref: () => LineRef): void {
  if (s.state.cpuidDone) return;
  const m = CPUID_ROW.exec(msg);
  if (m === null) return;
  const leafText = m[2];
  const sub = m[3] === undefined ? 0 : Number.parseInt(m[3], 16);
  const regs: CpuidRegs = {
    eax: Number.parseInt(m[4]!, 16), ebx: Number.parseInt(m[5]!, 16), ecx: Number.parseInt(m[6]!, 16), edx: Number.parseInt(m[7]!, 16),
  };
  if (m[1] === 'Gst') {
    s.lastGstLeaf = leafText === undefined ? null : Number.parseInt(leafText, 16);
    s.lastGstSub = sub;
    return;
  }
  let leaf: number | null;
  let leafSub: number;
  if (leafText !== undefined) {
    leaf = Number.parseInt(leafText, 16);
    leafSub = sub;
  } else {
    leaf = s.lastGstLeaf;
    leafSub = s.lastGstSub;
  }
  s.lastGstLeaf = null;
  if (leaf === null || leafSub !== 0 || s.hostLeaves.has(leaf)) return;
  s.hostLeaves.set(leaf, regs);
  s.hostLeafRefs.set(leaf, ref());
}

function onCfgm(s: VboxState, msg: string, ref: () => LineRef): void {
  if (s.state.cfgmDone || s.cfgmNode === null) return;
  const m = CFGM_KEY.exec(msg);
  if (m === null) return;
  const [, key, type, rawValue] = m as unknown as [string, string, string, string];
  const str = type === 'string' ? CFGM_STRING.exec(rawValue)?.[1] ?? null : null;
  const int = type === 'integer' ? (() => { const h = CFGM_INTEGER.exec(rawValue); return h === null ? null : hexInt(h[1]!); })() : null;
  switch (s.cfgmNode) {
    case '/':
      if (key === 'Name' && str !== null && s.vmName === null) { s.vmName = str; setRef(s, 'vmName', ref()); }
      else if (key === 'NumCPUs' && int !== null && s.vcpus === null) { s.vcpus = int; setRef(s, 'vcpus', ref()); }
      return;
    case '/GIM/':
      if (key === 'Provider' && str !== null && s.cfgmProvider === null) { s.cfgmProvider = paravirtProvider(str); s.cfgmProviderRef = ref(); }
      return;
    // Only these two nodes: a key holding `/` under another node must not pass for one of their keys.
    case '/TM/':
    case '/Devices/VMMDev/0/Config/':
      onTimeSetting(s, s.cfgmNode.slice(1) + key, str, int, ref);
      return;
    default:
  }
}

function onExtradata(s: VboxState, msg: string, ref: () => LineRef): void {
  const m = EXTRADATA.exec(msg);
  if (m !== null) onTimeSetting(s, m[1]!, m[2]!.replace(/^string:/i, ''), null, ref);
}

/**
 * One of TIME_SETTINGS (the last one given wins). `text` is the value as text (null for a CFGM value
 * of another type), `int` a CFGM `<integer>` value; a numeric setting takes `int`, else reads `text`.
 */
function onTimeSetting(s: VboxState, path: string, text: string | null, int: number | null, ref: () => LineRef): void {
  const field = TIME_SETTINGS.get(path);
  if (field === undefined) return;
  if (field === 'tscMode') {
    if (text === null) return;
    s.extradata.tscMode = text;
  } else {
    const v = int ?? (text === null ? null : anyInt(text));
    if (v === null) return;
    if (field === 'getHostTimeDisabled') s.extradata.getHostTimeDisabled = v !== 0;
    else s.extradata[field] = v;
  }
  setRef(s, `extradata.${field}`, ref());
}

function onPower(s: VboxState, msg: string, ref: () => LineRef, at: number | null): void {
  const q = msg.indexOf("reason '");
  if (q < 0) return;
  const reason = msg.slice(q + 8, msg.indexOf("'", q + 8)).toLowerCase().replace(/[\s_-]/g, '');
  const pausing = msg.startsWith('Pausing');
  let kind: VboxHostPowerEvent['kind'] | null = null;
  if (pausing && reason === 'hostsuspend') kind = 'suspend';
  else if (!pausing && reason === 'hostresume') kind = 'resume';
  else if (pausing && reason === 'hostbatterylow') kind = 'battery-low';
  if (kind !== null) push(s.powerEvents, { ...ref(), atSeconds: at, kind });
}

function onLine(s: VboxState, raw: string, lineNo: number): void {
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
  if (at !== null || UNSTAMPED.test(msg)) s.recognisedLines++;
  let cached: LineRef | null = null;
  const ref = (): LineRef => (cached ??= { line: lineNo, excerpt: excerpt(raw) });

  const c = msg.charCodeAt(0);
  if (msg.startsWith('TM')) return onTm(s, msg, ref, at);
  if (msg.startsWith('GIM')) return onGim(s, msg, ref, at);
  if (msg.startsWith('Gst:') || msg.startsWith('Hst:')) return onCpuid(s, msg, ref);
  if (c === 32) {
    if (msg.trimStart().startsWith('VBoxInternal/')) return onExtradata(s, msg, ref);
    return onCfgm(s, msg, ref);
  }
  if (c === 91 /* [ */) {
    const n = CFGM_NODE.exec(msg);
    if (n !== null && !s.state.cfgmDone) s.cfgmNode = n[1]!;
    return;
  }
  if (c === 42 /* * */) {
    if (msg.includes('End of CFGM dump')) { if (s.cfgmNode !== null) s.state.cfgmDone = true; s.cfgmNode = null; }
    else if (msg.includes('CFGM dump')) s.cfgmNode = null;
    else if (msg.includes('End of CPUID dump') && s.hostLeaves.size > 0) s.state.cpuidDone = true;
    return;
  }
  if (msg.startsWith('Full Name')) {
    const m = FULL_NAME.exec(msg);
    if (m !== null && s.fullName === null) {
      const v = m[1]!.trim().replace(/^"(.*)"$/, '$1').trim();
      if (v !== '') { s.fullName = v; setRef(s, 'fullName', ref()); s.state.done |= DONE_FULL_NAME; }
    }
    return;
  }
  if (msg.startsWith('VirtualBox ')) {
    const m = HEADER_LINE.exec(msg);
    if (m !== null && s.version === null) {
      s.version = m[1]!;
      s.versionRaw = m[1]! + m[2]!;
      s.revision = m[3]!;
      s.hostTarget = m[4]!;
      setRef(s, 'version', ref());
      s.state.done |= DONE_HEADER;
    }
    return;
  }
  if (msg.startsWith('VMMDev: Guest Additions')) {
    const m = ADDITIONS.exec(msg);
    if (m !== null) { s.additions = m[1]!; setRef(s, 'guestAdditionsVersion', ref()); }
    return;
  }
  if (msg.startsWith('VMMDev: Guest Log:')) {
    if (!mentionsTimeSync(msg)) return;
    for (const t of parseTimeSyncMessages(msg)) push(s.timeSync, { ...ref(), atSeconds: at, kind: t.kind, deltaNs: t.deltaNs });
    return;
  }
  if (msg.startsWith('Log opened ')) {
    const v = msg.slice(11).trim();
    if (s.logOpenedAt === null && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/.test(v)) { s.logOpenedAt = v; setRef(s, 'logOpenedAt', ref()); s.state.done |= DONE_LOG_OPENED; }
    return;
  }
  if (msg.startsWith('OS Product:')) {
    if (s.osProduct === null) { s.osProduct = msg.slice(11).trim(); setRef(s, 'hostOs', ref()); s.state.done |= DONE_OS_PRODUCT; }
    return;
  }
  if (msg.startsWith('OS Release:')) {
    if (s.osRelease === null) { s.osRelease = msg.slice(11).trim(); s.state.done |= DONE_OS_RELEASE; }
    return;
  }
  if (msg.startsWith('Guest OS type:')) {
    const m = /'([^']*)'/.exec(msg);
    if (m !== null && s.guestOsType === null) { s.guestOsType = m[1]!; setRef(s, 'guestOsType', ref()); s.state.done |= DONE_GUEST_OS; }
    return;
  }
  if (msg.startsWith('Pausing VM execution') || msg.startsWith('Resuming VM execution')) return onPower(s, msg, ref, at);
  if (msg.startsWith('HM: HMR3Init:') || msg.startsWith('NEM: NEMR3Init:')) onNem(s, msg, ref);
}

function finish(s: VboxState): VboxFacts {
  const leaf0 = s.hostLeaves.get(0);
  const leaf1 = s.hostLeaves.get(1);
  const vendor = leaf0 === undefined ? null : cpuidVendor(leaf0);
  const fm = leaf1 === undefined ? null : familyModel(leaf1.eax);

  const l15 = s.hostLeaves.get(0x15);
  const leaf15: CpuidRegs | null = l15 === undefined ? null : { ...l15 };
  let cpuidTsc: number | null = null;
  let inferredTsc: number | null = null;
  let inferredCrystal: number | null = null;
  if (leaf15 !== null) {
    setRef(s, 'cpuidLeaf15', s.hostLeafRefs.get(0x15)!);
    if (leaf15.eax !== 0 && leaf15.ebx !== 0) {
      if (leaf15.ecx !== 0) {
        cpuidTsc = safeOrNull(Math.round((leaf15.ecx * leaf15.ebx) / leaf15.eax));
        if (cpuidTsc !== null) setRef(s, 'cpuidTscTicksPerSecond', s.hostLeafRefs.get(0x15)!);
      } else {
        inferredCrystal = inferredCrystalHz(vendor, fm?.family ?? null, fm?.model ?? null);
        inferredTsc = inferredCrystal === null ? null : safeOrNull(Math.round((inferredCrystal * leaf15.ebx) / leaf15.eax));
        if (inferredTsc === null) inferredCrystal = null;
        else setRef(s, 'cpuidInferredTscTicksPerSecond', s.hostLeafRefs.get(0x15)!);
      }
    }
  }
  const l16 = s.hostLeaves.get(0x16);
  const baseMhz = l16 === undefined || (l16.eax & 0xffff) === 0 ? null : l16.eax & 0xffff;
  if (baseMhz !== null) setRef(s, 'cpuidBaseMhz', s.hostLeafRefs.get(0x16)!);

  let brand: string | null = null;
  const b2 = s.hostLeaves.get(0x80000002);
  const b3 = s.hostLeaves.get(0x80000003);
  const b4 = s.hostLeaves.get(0x80000004);
  if (b2 !== undefined && b3 !== undefined && b4 !== undefined) {
    const text = regsAscii([b2, b3, b4].flatMap((r) => [r.eax, r.ebx, r.ecx, r.edx])).trim();
    // eslint-disable-next-line no-control-regex
    if (text !== '' && !/[\u0000-\u001f\u007f-\uffff]/.test(text)) {
      brand = text;
      setRef(s, 'cpuBrand', s.hostLeafRefs.get(0x80000002)!);
    }
  }
  if (brand === null && s.fullName !== null) {
    brand = s.fullName;
    setRef(s, 'cpuBrand', s.refs.fullName!);
  }
  delete s.refs.fullName;
  const nominal = brand === null ? null : brandNominalHz(brand);

  let hostTsc: number | null = null;
  let hostTscSource: VboxFacts['hostTscSource'] = null;
  if (s.tscHost !== null) {
    hostTsc = s.tscHost;
    hostTscSource = 'cTSCTicksPerSecondHost';
    s.refs.hostTscTicksPerSecond = s.refs.cTSCTicksPerSecondHost!;
  } else if (s.gipCpuHz !== null) {
    hostTsc = s.gipCpuHz;
    hostTscSource = 'gip';
    s.refs.hostTscTicksPerSecond = s.refs.gipCpuHz!;
  }
  delete s.refs.cTSCTicksPerSecondHost;

  let provider = s.gimProvider;
  if (provider === null && s.cfgmProvider !== null) {
    provider = s.cfgmProvider;
    if (s.cfgmProviderRef !== null) s.refs.paravirtProvider = s.cfgmProviderRef;
  }

  let hostOs: string | null = null;
  if (s.osProduct !== null && s.osProduct !== '') hostOs = s.osRelease !== null && s.osRelease !== '' ? `${s.osProduct} ${s.osRelease}` : s.osProduct;
  else if (s.hostTarget !== null) {
    hostOs = TARGET_OS[s.hostTarget.split('.')[0] ?? ''] ?? null;
    if (hostOs !== null && s.refs.version !== undefined) s.refs.hostOs = s.refs.version;
  }

  const perCpu = [...s.gipPerCpuHz];
  let spread: number | null = null;
  if (perCpu.length >= 2) {
    const mid = median(perCpu);
    // A median of a few Hz is a damaged line, not a CPU: the ratio would be meaningless (and huge).
    if (mid >= 1e6) spread = Math.round(((Math.max(...perCpu) - Math.min(...perCpu)) / mid) * 1e6 * 1000) / 1000;
  }

  return {
    path: s.path,
    refs: s.refs,
    version: s.version,
    versionRaw: s.versionRaw,
    revision: s.revision,
    hostTarget: s.hostTarget,
    hostOs,
    logOpenedAt: s.logOpenedAt,
    vmName: s.vmName,
    guestOsType: s.guestOsType,
    vcpus: s.vcpus,
    tscTicksPerSecond: s.tscTicks,
    hostTscTicksPerSecond: hostTsc,
    hostTscSource,
    gipCpuHz: s.gipCpuHz,
    gipMode: s.gipMode,
    gipPerCpuHz: perCpu,
    gipPerCpuSpreadPpm: spread,
    cpuidLeaf15: leaf15,
    cpuidTscTicksPerSecond: cpuidTsc,
    cpuidInferredTscTicksPerSecond: inferredTsc,
    cpuidInferredCrystalHz: inferredCrystal,
    cpuidBaseMhz: baseMhz,
    cpuBrand: brand,
    brandNominalHz: nominal,
    tscMode: s.mode,
    tscModeSwitches: s.switches,
    switchedToRealTscOffset: s.sawTm ? s.switchedToReal : null,
    tscModeSwitchAllowed: s.switchAllowed,
    tscMultiplier: s.multiplier,
    tscTiedToExecution: s.tied,
    stateLoadTscTicksPerSecond: s.stateLoadTicks,
    stateLoadTscIncompatible: s.stateLoadIncompatible,
    paravirtProvider: provider,
    gimKvmSystemTime: s.kvmSystemTime,
    extradata: { ...s.extradata },
    catchUpGiveUps: s.catchUps,
    hostPowerEvents: s.powerEvents,
    guestAdditionsVersion: s.additions,
    timeSync: s.timeSync,
    nem: s.nem ?? (s.sawTm && s.mode !== null && s.mode !== 'NativeApi' ? { active: false, fallbackReason: null, snailMode: false } : null),
    lastSeconds: lastSeconds(s.state),
  };
}

/** HM's fall-back to NEM and NEM's execution mode (VirtualBox 6.0+ on a Windows host with Hyper-V on). */
function onNem(s: VboxState, msg: string, ref: () => LineRef): void {
  const fall = NEM_FALLBACK.exec(msg);
  if (fall !== null) {
    s.nem = { active: true, fallbackReason: fall[1]!.trim(), snailMode: s.nem?.snailMode ?? false };
    setRef(s, 'nem', ref());
  } else if (msg.includes('Snail execution mode')) {
    s.nem = { active: true, fallbackReason: s.nem?.fallbackReason ?? null, snailMode: true };
    if (s.refs.nem === undefined) setRef(s, 'nem', ref());
  }
  if (s.nem?.fallbackReason != null && s.nem.snailMode) s.state.done |= DONE_NEM;
}

/** A streaming VBox.log parser (usable with `parseFile`/`parseText`). */
export function createVboxParser(path: string | null = null): KindParser<VboxFacts> {
  const s = freshState(path);
  return {
    // A syslog line starts `Mmm dd`: no VBox stamp (its first digits, the day, are no hours), and no
    // message the filter reads starts with a month name.
    quietOnDaemon: () => true,
    wants(buf, start, end) {
      return wantsLine(buf, start, end, s.state);
    },
    push(line, lineNo) {
      onLine(s, line, lineNo);
    },
    recognised: () => s.recognisedLines,
    finish: () => finish(s),
    screen: {
      prefixes: () => screenPrefixes(s.state),
      version: () => screenVersion(s.state),
      // A skipped line is a timestamped one `wantsLine` rejects: all it would do is note the time.
      skipped(buf, start, end) {
        messageStart(buf, start, end, s.state);
      },
    },
  };
}
