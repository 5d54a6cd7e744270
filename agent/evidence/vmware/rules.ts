/**
 * The vmware.log messages clockdoctor reads, as a table: one pattern and one small action each.
 * Patterns are anchored at the message (after the stamp and thread, prefix.ts). `distinctive` marks a
 * message only VMware prints, which counts as vmware.log evidence even pasted without its stamp; any
 * other message counts only on a stamped vmware.log line.
 *
 * Wording comes from real logs (test/fixtures/vmware, SOURCE.md): Workstation 7.0/7.1, 10.0, Player 17.
 */
import type { LineRef } from '../kind.js';
import type { VmwareEvent, VmwareFacts, VmwareTscEstimate } from './facts.js';
import { safeInt, safeSignedInt } from '../../util/numbers.js';

/** What the rules fill: the facts under construction plus parser-only memory. */
export interface VmwareState {
  f: VmwareFacts;
  /** `DICT --- CONFIGURATION …` and the like: which dictionary the next DICT lines belong to. */
  dictSection: string | null;
  /** vmmon / remembered from the per-line messages, used when the summary line is absent. */
  vmmonKhz: number | null;
  rememberedKhz: number | null;
  /** ms of the first stamped line, for `atSeconds`. */
  firstMs: number | null;
  lineMs: number | null;
}

export interface VmwareRule {
  name: string;
  re: RegExp;
  distinctive: boolean;
  apply(st: VmwareState, m: RegExpExecArray, ref: LineRef): void;
}

/** Events kept at most; the latest always replaces the last slot (a week-long log must not grow memory). */
export const MAX_EVENTS = 1000;

const collapse = (s: string): string => s.replace(/\s+/g, ' ').trim();
const unquote = (s: string): string => s.trim().replace(/^"(.*)"$/, '$1').trim();
const bool = (s: string): boolean | null => (/^(?:true|yes|1)$/i.test(s) ? true : /^(?:false|no|0)$/i.test(s) ? false : null);

/** A positive integer that fits a double exactly, else null (a mangled log must not make Infinity). */
function hzOf(text: string | undefined, scale = 1): number | null {
  const n = safeInt(text);
  if (n === null) return null;
  const hz = n * scale;
  return Number.isSafeInteger(hz) ? hz : null;
}

function setOnce<K extends keyof VmwareFacts>(st: VmwareState, key: K, value: VmwareFacts[K], ref: LineRef): void {
  if (st.f[key] !== null || value === null) return;
  st.f[key] = value;
  st.f.refs[key] = ref;
}

function setLast<K extends keyof VmwareFacts>(st: VmwareState, key: K, value: VmwareFacts[K], ref: LineRef): void {
  if (value === null) return;
  st.f[key] = value;
  st.f.refs[key] = ref;
}

export function pushEvent(st: VmwareState, ev: Omit<VmwareEvent, 'atSeconds' | 'line' | 'excerpt'>, ref: LineRef): void {
  const atSeconds = st.firstMs !== null && st.lineMs !== null ? (st.lineMs - st.firstMs) / 1000 : null;
  const e: VmwareEvent = { ...ev, atSeconds, line: ref.line, excerpt: ref.excerpt };
  if (st.f.events.length < MAX_EVENTS) st.f.events.push(e);
  else st.f.events[MAX_EVENTS - 1] = e;
}

/** `vmmon 1946477, remembered 0, osReported 2000000` → estimates in Hz. */
function estimatesOf(list: string, scale: number): VmwareTscEstimate[] {
  const out: VmwareTscEstimate[] = [];
  for (const part of list.split(',')) {
    const m = /^\s*([A-Za-z][\w-]*)\s+(\d+)\s*$/.exec(part);
    const hz = m ? hzOf(m[2], scale) : null;
    if (m && hz !== null) out.push({ source: m[1] ?? '', hz });
  }
  return out;
}

function applyEstimates(st: VmwareState, m: RegExpExecArray, ref: LineRef): void {
  const scale = m[1] === 'kHz' ? 1000 : 1;
  st.f.tscEstimates = estimatesOf(m[2] ?? '', scale);
  st.f.refs.tscEstimates = ref;
  const used = hzOf(m[3], m[4] === 'kHz' ? 1000 : 1);
  if (used !== null && used > 0) setLast(st, 'tscUsedHz', used, ref);
  const vmmon = st.f.tscEstimates.find((e) => e.source === 'vmmon');
  if (vmmon !== undefined && vmmon.hz > 0) setLast(st, 'tscMeasuredHz', vmmon.hz, ref);
}

/** Config keys about time, by the dictionary that set them. */
function applyDict(st: VmwareState, key: string, value: string, ref: LineRef): void {
  const v = unquote(value);
  if (key === 'displayName') setLast(st, 'vmName', v, ref);
  else if (key === 'guestOS') setLast(st, 'guestOs', v, ref);
  else if (key === 'tools.syncTime') { const b = bool(v); if (b !== null) setLast(st, 'toolsSyncTime', b, ref); }
  else if (key.startsWith('time.synchronize.')) {
    const b = bool(v);
    if (b !== null) { st.f.timeSynchronize[key.slice('time.synchronize.'.length)] = b; st.f.refs[key] = ref; }
  } else if (/^timeTracker\./i.test(key)) { st.f.timeTracker[key] = v; st.f.refs[key] = ref; }
  else if (/^(?:host\.cpukHz|host\.noTSC|ptsc\.noTSC|monitor_control\.virtual_rdtsc)$/.test(key)) {
    st.f.timeConfig[key] = v;
    st.f.refs[key] = ref;
  }
}

export const RULES: readonly VmwareRule[] = [
  {
    name: 'log-for', distinctive: true,
    re: /^Log for (VMware [A-Za-z ]+?) pid=(\d+) version=(\S+) build=(?:build-)?(\d+)/,
    apply(st, m, ref) {
      setOnce(st, 'product', m[1] ?? null, ref);
      setOnce(st, 'pid', safeInt(m[2]), ref);
      setOnce(st, 'version', m[3] ?? null, ref);
      setOnce(st, 'build', m[4] ?? null, ref);
    },
  },
  {
    name: 'command-line', distinctive: false,
    re: /^Command line: .*"product=\d+;name=([^;"]+);version=([^;"]+);buildnumber=(\d+);.*?"([^"]+\.vmx)"\s*$/,
    apply(st, m, ref) {
      setOnce(st, 'product', m[1] ?? null, ref);
      setOnce(st, 'version', m[2] ?? null, ref);
      setOnce(st, 'build', m[3] ?? null, ref);
      setOnce(st, 'vmxPath', m[4] ?? null, ref);
    },
  },
  { name: 'config-file', distinctive: false, re: /^Config file: (.+\.vmx)\s*$/, apply(st, m, ref) { setOnce(st, 'vmxPath', m[1] ?? null, ref); } },
  { name: 'hostname', distinctive: false, re: /^Hostname=(\S+)$/, apply(st, m, ref) { setOnce(st, 'hostName', m[1] ?? null, ref); } },
  { name: 'host-is', distinctive: false, re: /^Host is (.+?)\s*$/, apply(st, m, ref) { setOnce(st, 'hostOs', collapse(m[1] ?? ''), ref); } },
  {
    name: 'host-linux', distinctive: true,
    re: /^HOST sysname (\S+), nodename \S+, release (\S+), version .*?(?:, hz=(\d+))?$/,
    apply(st, m, ref) {
      setOnce(st, 'hostOs', `${m[1] ?? ''} ${m[2] ?? ''}`, ref);
      setOnce(st, 'hostHz', safeInt(m[3]), ref);
    },
  },
  {
    name: 'host-cpu', distinctive: false,
    re: /^(hostCPUID|CPUID\[0\])\s+name:\s+(.+?)\s*$/,
    apply(st, m, ref) {
      // hostCPUID is the host's own; CPUID[0] only when it is all there is.
      if (m[1] === 'hostCPUID') setLast(st, 'hostCpu', collapse(m[2] ?? ''), ref);
      else setOnce(st, 'hostCpu', collapse(m[2] ?? ''), ref);
    },
  },
  { name: 'hostinfo-ref', distinctive: true, re: /^HOSTINFO -?\d+ @ (\d+)Hz -> -?\d+ @ \d+Hz$/, apply(st, m, ref) { setOnce(st, 'hostReferenceClockHz', hzOf(m[1]), ref); } },
  { name: 'constant-tsc', distinctive: true, re: /^HOSTINFO: Host supports constant rate TSC\.?$/, apply(st, _m, ref) { setLast(st, 'hostConstantRateTsc', true, ref); } },
  { name: 'vmmon-khz', distinctive: true, re: /^VMMon_GetkHzEstimate: Calculated (\d+) kHz$/, apply(st, m) { st.vmmonKhz = safeInt(m[1]); } },
  { name: 'remembered-khz', distinctive: true, re: /^VMMon_RememberkHzEstimate: Calculated (\d+) kHz$/, apply(st, m) { st.rememberedKhz = safeInt(m[1]); } },
  { name: 'estimates', distinctive: true, re: /^TSC (kHz|Hz) estimates: (.*?)\.?\s+Using (\d+) (kHz|Hz)\.?$/, apply: applyEstimates },
  { name: 'tsc-min-delta', distinctive: true, re: /^TSC min delta (-?\d+)$/, apply(st, m, ref) { setLast(st, 'tscMinDeltaCycles', safeSignedInt(m[1]), ref); } },
  {
    name: 'ptsc-ref', distinctive: true,
    re: /^PTSC: RefClockTo(?:P)?TSC (?:-?\d+ @ )?(\d+)Hz -> (?:-?\d+ @ )?(\d+)Hz$/,
    apply(st, m, ref) {
      setLast(st, 'ptscRefClockHz', hzOf(m[1]), ref);
      setLast(st, 'ptscHz', hzOf(m[2]), ref);
    },
  },
  { name: 'ptsc-using', distinctive: true, re: /^PTSC: using (TSC|reference clock)\b/, apply(st, m, ref) { setLast(st, 'ptscSource', m[1] === 'TSC' ? 'tsc' : 'reference-clock', ref); } },
  { name: 'ptsc-sync', distinctive: true, re: /^PTSC: hardware TSCs are (not )?synchroni[sz]ed/, apply(st, m, ref) { setLast(st, 'tscSynchronized', m[1] === undefined, ref); } },
  { name: 'ptsc-adjusted', distinctive: true, re: /^PTSC: hardware TSCs may have been adjusted by the host/, apply(st, _m, ref) { setLast(st, 'tscAdjusted', true, ref); } },
  { name: 'tsc-scaling-off', distinctive: true, re: /^Disabling TSC scaling\b/, apply(st, _m, ref) { setLast(st, 'tscScaling', false, ref); } },
  { name: 'tsc-scaling-on', distinctive: true, re: /^TSC scaling enabled\b/, apply(st, _m, ref) { setLast(st, 'tscScaling', true, ref); } },
  { name: 'tsc-offsetting', distinctive: true, re: /^TSC offsetting (enabled|disabled)\b/, apply(st, m, ref) { setLast(st, 'tscOffsetting', m[1] === 'enabled', ref); } },
  {
    name: 'timetracker-rate', distinctive: true,
    re: /^TimeTracker host to guest rate conversion -?\d+ @ (\d+)Hz -> -?\d+ @ (\d+)Hz$/,
    apply(st, m, ref) {
      setLast(st, 'timeTrackerHostHz', hzOf(m[1]), ref);
      setLast(st, 'timeTrackerGuestHz', hzOf(m[2]), ref);
    },
  },
  { name: 'timetracker-setting', distinctive: true, re: /^(timeTracker\.[\w.]+): (\S.*?)\s*$/, apply(st, m, ref) { st.f.timeTracker[m[1] ?? ''] = m[2] ?? ''; st.f.refs[m[1] ?? ''] = ref; } },
  {
    name: 'dict-section', distinctive: false, re: /^DICT --- (.+?)\s*$/,
    apply(st, m, ref) {
      st.dictSection = m[1] ?? null;
      const host = /^HOST DEFAULTS (.+)$/.exec(m[1] ?? '');
      if (host !== null) setOnce(st, 'hostConfigPath', host[1] ?? null, ref);
    },
  },
  { name: 'dict', distinctive: false, re: /^DICT\s+(\S+)\s+=\s?(.*)$/, apply(st, m, ref) { applyDict(st, m[1] ?? '', m[2] ?? '', ref); } },
  {
    name: 'configdb-set', distinctive: true,
    re: /^ConfigDB: Setting (\S+) = (.*)$/,
    apply(st, m, ref) {
      const key = m[1] ?? '';
      applyDict(st, key, m[2] ?? '', ref);
      if (key === 'tools.syncTime' || key.startsWith('time.synchronize.')) pushEvent(st, { kind: 'sync-time-option', durationUs: null, detail: `${key} = ${unquote(m[2] ?? '')}` }, ref);
    },
  },
  { name: 'tools-version', distinctive: true, re: /^TOOLS setting legacy tools version to '(\d+)'/, apply(st, m, ref) { setLast(st, 'toolsVersion', safeInt(m[1]), ref); } },
  { name: 'tools-status', distinctive: true, re: /^VMXVmdb_SetToolsVersionStat(?:us|e): status value set to '(\w+)'/, apply(st, m, ref) { setLast(st, 'toolsStatus', m[1] ?? null, ref); } },
  { name: 'monitor-mode', distinctive: true, re: /^Monitor Mode: (\w+)/, apply(st, m, ref) { setLast(st, 'monitorMode', m[1] ?? null, ref); } },
  { name: 'hyper-v', distinctive: true, re: /^(?:IOPL_Init: Hyper-V detected by CPUID|Syncing WHP TSCs took \d+ us)/, apply(st, _m, ref) { setOnce(st, 'hostHyperV', true, ref); } },
  { name: 'power-on', distinctive: false, re: /^PowerOn$/, apply(st, _m, ref) { pushEvent(st, { kind: 'power-on', durationUs: null, detail: null }, ref); } },
  {
    name: 'exec-state', distinctive: true,
    re: /^Transitioned vmx\/execState\/val to (poweredOff|suspended)\b/,
    apply(st, m, ref) {
      // The VMX starts in poweredOff before it powers the VM on: only a transition after a power-on is an event.
      if (m[1] === 'poweredOff' && !st.f.events.some((e) => e.kind === 'power-on')) return;
      pushEvent(st, { kind: m[1] === 'suspended' ? 'suspended' : 'powered-off', durationUs: null, detail: null }, ref);
    },
  },
  { name: 'suspend-done', distinctive: true, re: /^SUSPEND: Completed suspend/, apply(st, _m, ref) { pushEvent(st, { kind: 'suspend-completed', durationUs: null, detail: null }, ref); } },
  { name: 'snapshot', distinctive: true, re: /^SnapshotVMX_TakeSnapshot start: '([^']*)'/, apply(st, m, ref) { pushEvent(st, { kind: 'snapshot', durationUs: null, detail: m[1] ?? null }, ref); } },
  { name: 'stun', distinctive: true, re: /^Checkpoint_Unstun: vm stopped for (\d+) us/, apply(st, m, ref) { pushEvent(st, { kind: 'stun', durationUs: safeInt(m[1]), detail: null }, ref); } },
  {
    name: 'tools-synctime-option', distinctive: true,
    re: /^TOOLS received request in VMX to set option 'synctime' -> '(\d)'/,
    apply(st, m, ref) { pushEvent(st, { kind: 'sync-time-option', durationUs: null, detail: `synctime ${m[1] === '1' ? 'on' : 'off'} (from the guest's Tools)` }, ref); },
  },
];
