/**
 * vmware.log → VmwareFacts, as a streaming KindParser. Pure.
 *
 * Each line is split into stamp, thread and message (prefix.ts) and the message offered to the rule
 * table (rules.ts). What counts as vmware.log evidence (`recognised`): every line in one of VMware's
 * stamp shapes — no other log writes `Apr 18 00:25:37.105: vmx| `, `…+01:00| vmx| I120: ` or
 * `…Z In(05) vmx ` — and, without a stamp (pasted), only a message only VMware prints.
 */
import type { KindParser, LineRef } from '../kind.js';
import { ParseError } from '../../errors.js';
import { excerpt } from '../text/lines.js';
import { splitVmwareLine } from './prefix.js';
import { RULES, type VmwareState } from './rules.js';
import type { VmwareFacts } from './facts.js';
import { vmwareWants } from './wants.js';

/** ESXi puts an operation id before some messages (`vim-cmd-09-a45d SnapshotVMX_TakeSnapshot …`). */
const OPID = /^[\w.]+(?:-[\w.]+)*-[0-9a-f]{3,}\s+/;

export function emptyVmwareFacts(path: string | null): VmwareFacts {
  return {
    path, refs: {}, format: null, product: null, version: null, build: null, pid: null, hostName: null, hostOs: null, hostHz: null, hostCpu: null,
    hostReferenceClockHz: null, hostConstantRateTsc: null, tscEstimates: [], tscUsedHz: null, tscMeasuredHz: null, tscMinDeltaCycles: null,
    ptscSource: null, ptscRefClockHz: null, ptscHz: null, tscSynchronized: null, tscAdjusted: null, tscScaling: null, tscOffsetting: null,
    timeTrackerHostHz: null, timeTrackerGuestHz: null, timeTracker: {}, toolsSyncTime: null, timeSynchronize: {}, timeConfig: {},
    toolsVersion: null, toolsStatus: null, monitorMode: null, hostHyperV: null, vmName: null, guestOs: null, hostConfigPath: null, vmxPath: null, events: [],
  };
}

/** Offer a message to the rules; true when one took it. */
function applyRules(st: VmwareState, msg: string, ref: LineRef, stamped: boolean): boolean {
  for (const r of RULES) {
    if (!stamped && !r.distinctive) continue;
    const m = r.re.exec(msg);
    if (m === null) continue;
    r.apply(st, m, ref);
    return true;
  }
  return false;
}

/** The summary line is missing (a paste of the per-line messages): build the estimates from them. */
function estimatesFromParts(st: VmwareState): void {
  const f = st.f;
  if (f.tscEstimates.length > 0) return;
  if (st.vmmonKhz !== null) f.tscEstimates.push({ source: 'vmmon', hz: st.vmmonKhz * 1000 });
  if (st.rememberedKhz !== null) f.tscEstimates.push({ source: 'remembered', hz: st.rememberedKhz * 1000 });
  if (f.tscMeasuredHz === null && st.vmmonKhz !== null && st.vmmonKhz > 0) f.tscMeasuredHz = st.vmmonKhz * 1000;
}

export function createVmwareParser(path: string | null = null): KindParser<VmwareFacts> {
  const st: VmwareState = { f: emptyVmwareFacts(path), dictSection: null, vmmonKhz: null, rememberedKhz: null, firstMs: null, lineMs: null };
  let recognised = 0;
  const shapes = new Map<string, number>();
  return {
    wants: vmwareWants,
    // Its legacy stamp ends `:`/`.` 15 bytes in, where a syslog line has a blank; no word starts with a month.
    quietOnDaemon: () => true,
    push(line, lineNo) {
      const l = splitVmwareLine(line);
      const stamped = l.shape !== 'bare' || l.thread !== null;
      if (l.ms !== null && st.firstMs === null) st.firstMs = l.ms;
      st.lineMs = l.ms;
      const ref: LineRef = { line: lineNo, excerpt: excerpt(line) };
      let took = applyRules(st, l.msg, ref, stamped);
      if (!took && stamped && OPID.test(l.msg)) took = applyRules(st, l.msg.replace(OPID, ''), ref, stamped);
      if (stamped || took) {
        recognised++;
        shapes.set(l.shape, (shapes.get(l.shape) ?? 0) + 1);
      }
    },
    recognised: () => recognised,
    finish() {
      if (recognised === 0) throw new ParseError('not a vmware.log: no line has its stamp or one of its messages', null, path);
      estimatesFromParts(st);
      let best: VmwareFacts['format'] = null;
      let n = 0;
      for (const [shape, count] of shapes) if (count > n) { best = shape as VmwareFacts['format']; n = count; }
      st.f.format = best;
      return st.f;
    },
  };
}
