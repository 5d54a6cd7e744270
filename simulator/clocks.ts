/**
 * Rate error of every guest clocksource for one configuration (model.md §1): the believed-versus-actual
 * rule, TSC modes and the VirtualBox paravirt switch, calibration paths (incl. the 1 % refinement rule
 * and tsc_known_freq), pvclock update policies, ticks, and how each clock behaves during a host stall.
 */
import type { Contribution } from './prediction.js';
import {
  ACPI_PM_HZ, ACPI_PM_WRAP_SECONDS, HPET_ICH9_HZ, HPET_MASK_TICKS, KVM_CLOCK_SYNC_PERIOD_SECONDS, TSC_REFINE_ACCEPT_FRACTION,
  XEN_EPOCH_SECONDS, assumptionText, kernelAtLeast, type Assumptions,
} from './constants.js';
import { fmtPpm, groupDigits } from '../agent/util/format.js';
import type { ClockName, ModelParams, TscMode } from './model-params.js';
import { pitLatch, pitRoundingError } from './ticks.js';
import { watchdogVerdict, type WatchdogVerdict } from './watchdog.js';

/** How a clock behaves while the vCPU does not run. */
export interface StallModel {
  /** Guest time stands still during the stall (the lag then has to be caught up or is lost). */
  frozen: boolean;
  /** How a frozen clock's lag is caught up: VirtualBox's TM table, a constant speed-up, or never. */
  catchUp: 'vbox' | { speedUp: number; giveUpSeconds: number } | null;
  /** A counter that keeps running but wraps: whole wraps are lost when unread longer than this. */
  wrapSeconds: number | null;
}

export interface ClockModel {
  clock: ClockName;
  /** Rate error between hypervisor re-anchors (fraction; −0.022472 = −22 472 ppm). */
  e: number;
  /** Seconds between pvclock re-anchors to host time; null = never. */
  pvUpdateSeconds: number | null;
  /** False when `e` depends on a TSC rate nobody supplied (then it is computed as if claimed = true). */
  known: boolean;
  /** Hit by a TSC-frequency error. */
  affected: boolean;
  rating: number;
  mustVerify: boolean;
  counterHz: number;
  stall: StallModel;
  contributions: Contribution[];
}

export interface ClockSet {
  clocks: Map<ClockName, ClockModel>;
  /** VirtualBox TSC mode in effect after any paravirt switch (null off VirtualBox). */
  tscMode: TscMode | null;
  switchedToRealTscOffset: boolean;
  /** Clock the guest ends up on after the watchdog (equals the configured one unless demoted). */
  watchdog: { clock: ClockName; verdict: WatchdogVerdict; switchTo: ClockName | null } | null;
  notes: string[];
  assumptionsUsed: (keyof Assumptions)[];
}

const ppm = (e: number): number => e * 1e6;

/** A tagged contribution; the text leads with its ppm unless it is a zero-rate remark. */
function contribution(tag: string, e: number, text: string, assumption = false): Contribution {
  return { tag, ppm: ppm(e), text: e === 0 ? text : `${fmtPpm(ppm(e))}: ${text}`, assumption };
}

/** Which hypervisor names the claimed rate in sentences. */
function claimer(p: ModelParams): string {
  switch (p.hypervisor) {
    case 'virtualbox': return "VirtualBox's claimed";
    case 'kvm': return "the KVM host's tsc_khz";
    case 'vmware': return "VMware's announced";
    case 'xen': return "Xen's pvclock scale of";
    case 'hyperv': return "Hyper-V's announced";
    default: return 'the calibrated';
  }
}

/** What every clock of one configuration is computed from (one derivation, shared by the pieces below). */
interface Ctx {
  p: ModelParams;
  A: Assumptions;
  used: Set<keyof Assumptions>;
  notes: string[];
  eVirt: number;
  /** Both the claimed and the true TSC rate are given. */
  known: boolean;
  claimed: number;
  truth: number;
  knownFreqKernel: boolean;
  watchdogRule: 'old' | 'new';
  /** A VirtualBox paravirt clock (kvm-clock / Hyper-V page) is offered and enabled. */
  pvClockOn: boolean;
  /** VirtualBox TSC mode after any paravirt switch (null elsewhere). */
  tscMode: TscMode | null;
  switched: boolean;
  /** Rate the guest's TSC advances per true second, and that in words. */
  fAct: number;
  fActText: string;
  tscStall: StallModel;
}

const RUNS: StallModel = { frozen: false, catchUp: null, wrapSeconds: null };

function contextOf(p: ModelParams): Ctx {
  const A = p.assumptions;
  const used = new Set<keyof Assumptions>();
  const notes: string[] = [];
  const known = p.claimedTscHz !== null && p.trueTscHz !== null;
  const claimed = p.claimedTscHz ?? p.trueTscHz ?? 1e9;
  const truth = p.trueTscHz ?? p.claimedTscHz ?? 1e9;
  if (!known) notes.push('true or claimed TSC rate not given: the model treats them as equal, so TSC-based clocks show no frequency error');
  const kver = p.kernelVersion;
  if (kver !== null) used.add('tscKnownFreqSinceKernel');
  const knownFreqKernel = kver === null || kernelAtLeast(kver, A.tscKnownFreqSinceKernel);
  if (kver !== null) used.add('newWatchdogSinceKernel');
  const watchdogRule: 'old' | 'new' = kver === null || kernelAtLeast(kver, A.newWatchdogSinceKernel) ? 'new' : 'old';
  const pvClockOn = p.kvmclockEnabled && (p.paravirt === 'kvm' || p.paravirt === 'hyperv');
  const ctx: Ctx = {
    p, A, used, notes, eVirt: p.crystalPpm * 1e-6, known, claimed, truth, knownFreqKernel, watchdogRule, pvClockOn,
    tscMode: null, switched: false, fAct: truth, fActText: `the TSC ticks at ${groupDigits(truth)} Hz`, tscStall: RUNS,
  };
  if (p.hypervisor === 'virtualbox') vboxTscMode(ctx);
  if (p.hypervisor === 'vmware' && p.vmwarePtsc === 'reference-clock') {
    // PTSC: using reference clock — the guest's TSC is synthesised from the host's reference clock.
    ctx.fAct = claimed * (1 + ctx.eVirt);
    ctx.fActText = `VMware synthesises the guest TSC at ${groupDigits(claimed)} Hz from the host's reference clock (PTSC: using reference clock)`;
  }
  ctx.tscStall = tscStallOf(ctx);
  return ctx;
}

/**
 * How the guest TSC behaves while the vCPU does not run: a TSC VirtualBox synthesises from virtual
 * time (Dynamic, VirtTscEmulated) stands still and is caught up with the rest of virtual time; under
 * RealTscOffset and under NEM (NativeApi: Hyper-V owns the TSC, host TSC plus an offset) it keeps
 * running; VMware's reference-clock PTSC is apparent time, which the timeTracker catches up.
 */
function tscStallOf(ctx: Ctx): StallModel {
  const p = ctx.p;
  if (p.hypervisor === 'virtualbox') return ctx.tscMode === 'RealTscOffset' || ctx.tscMode === 'NativeApi' ? RUNS : virtualStall(ctx, null);
  if (p.hypervisor === 'vmware' && p.vmwarePtsc === 'reference-clock') return virtualStall(ctx, null);
  return RUNS;
}

/** Stall behaviour of clocks derived from the hypervisor's virtual time. */
function virtualStall(ctx: Ctx, wrapSeconds: number | null): StallModel {
  const A = ctx.A;
  switch (ctx.p.hypervisor) {
    case 'virtualbox': return { frozen: true, catchUp: 'vbox', wrapSeconds: null };
    case 'vmware':
      ctx.used.add('vmwareGiveUpSeconds'); ctx.used.add('vmwareCatchUpSpeedUp');
      return { frozen: true, catchUp: { speedUp: A.vmwareCatchUpSpeedUp, giveUpSeconds: A.vmwareGiveUpSeconds }, wrapSeconds: null };
    case 'bare-metal': return RUNS;
    default: return { frozen: false, catchUp: null, wrapSeconds };
  }
}

/** VirtualBox's TSC mode, the paravirt switch to RealTscOffset, and the rate the guest TSC then has. */
function vboxTscMode(ctx: Ctx): void {
  const p = ctx.p;
  let tscMode: TscMode = p.tscTicksPerSecondOverride && p.tscMode !== 'NativeApi' ? 'VirtTscEmulated' : p.tscMode;
  if (ctx.pvClockOn && p.tscModeSwitchAllowed && tscMode !== 'NativeApi' && tscMode !== 'RealTscOffset') {
    ctx.switched = true;
    ctx.notes.push(`VirtualBox switched the TSC mode from ${tscMode} to RealTscOffset when the guest enabled the ${p.paravirt === 'kvm' ? 'KVM system-time MSR' : 'Hyper-V TSC page'}: the guest TSC now ticks at the real host rate`);
    tscMode = 'RealTscOffset';
  }
  if (tscMode === 'NativeApi') {
    ctx.notes.push('VirtualBox runs on Hyper-V (NEM, TSC mode NativeApi): the guest TSC is the host\'s, offset by Hyper-V, so it ticks at the real host rate and keeps running while VirtualBox does not schedule the VM; VirtualBox cannot switch TSC modes, and its virtual-sync timers (PIT, APIC, HPET, ACPI PM) still lag, catch up and give up after 60 s when the host starves the VM');
  }
  if (tscMode === 'VirtTscEmulated' || tscMode === 'Dynamic') {
    ctx.fAct = ctx.claimed * (1 + ctx.eVirt);
    ctx.fActText = `the ${tscMode} TSC is synthesised from virtual time at ${groupDigits(ctx.claimed)} Hz`;
  }
  ctx.tscMode = tscMode;
}

/** The paravirt clocks each hypervisor offers: VirtualBox's GIM clocks, kvm-clock, xen, the Hyper-V TSC page. */
function paravirtClocks(ctx: Ctx): ClockModel[] {
  const { p, claimed, truth, known } = ctx;
  const out: ClockModel[] = [];
  if (p.hypervisor === 'virtualbox' && (p.paravirt === 'kvm' || p.paravirt === 'hyperv') && p.kvmclockEnabled) {
    const name: ClockName = p.paravirt === 'kvm' ? 'kvm-clock' : 'hyperv_clocksource_tsc_page';
    const e = ctx.fAct / claimed - 1;
    const c: Contribution[] = [];
    if (e !== 0 || !known) c.push(contribution('tsc-frequency-claim', e, `${name} uses VirtualBox's claimed ${groupDigits(claimed)} Hz while ${ctx.fActText}`));
    c.push(contribution('pvclock-never-updated', 0, `VirtualBox's ${p.paravirt === 'kvm' ? 'GIM KVM' : 'GIM Hyper-V'} provider never re-anchors the ${name} structure, so any rate error accumulates without bound`));
    out.push({ clock: name, e, pvUpdateSeconds: null, known, affected: Math.abs(e) > 1e-9, rating: 400, mustVerify: false, counterHz: 1e9, stall: ctx.tscStall, contributions: c });
  }
  if (p.hypervisor === 'kvm' && p.kvmclockEnabled) out.push(kvmClock(ctx));
  if (p.hypervisor === 'xen') {
    const e = truth / claimed - 1;
    out.push({
      clock: 'xen', e, pvUpdateSeconds: XEN_EPOCH_SECONDS, known, affected: false, rating: 400, mustVerify: false, counterHz: 1e9, stall: RUNS,
      contributions: [contribution('pvclock-scale', e, `the Xen pvclock scale is off by ${fmtPpm(ppm(e))} but Xen recalibrates it every ${XEN_EPOCH_SECONDS} s (EPOCH), so the error stays below e·1 s`)],
    });
  }
  if (p.hypervisor === 'hyperv') {
    const e = truth / claimed - 1;
    out.push({
      clock: 'hyperv_clocksource_tsc_page', e, pvUpdateSeconds: null, known, affected: Math.abs(e) > 1e-9, rating: 250, mustVerify: false, counterHz: 1e7, stall: RUNS,
      contributions: [contribution('tsc-frequency-claim', e, `the Hyper-V TSC page scale implies ${groupDigits(claimed)} Hz while the TSC ticks at ${groupDigits(truth)} Hz; the page is rewritten only on partition events (assumed)`, true)],
    });
  }
  return out;
}

/** kvm-clock on a real KVM host: re-anchored every 300 s. */
function kvmClock(ctx: Ctx): ClockModel {
  const { p, claimed, truth, known, A } = ctx;
  let e = truth / claimed - 1;
  const c: Contribution[] = [];
  if (!known) {
    ctx.used.add('kvmHostCalibrationPpm');
    e = A.kvmHostCalibrationPpm * 1e-6;
    c.push(contribution('kvm-host-calibration', e, assumptionText('kvmHostCalibrationPpm', A.kvmHostCalibrationPpm), true));
  } else {
    c.push(contribution('tsc-frequency-claim', e, `kvm-clock uses ${claimer(p)} ${groupDigits(claimed)} Hz while the TSC ticks at ${groupDigits(truth)} Hz`));
  }
  c.push(contribution('pvclock-periodic-sync', 0, `KVM re-anchors kvm-clock to host time every ${KVM_CLOCK_SYNC_PERIOD_SECONDS} s (kvmclock_periodic_sync), so the error stays bounded by e·${KVM_CLOCK_SYNC_PERIOD_SECONDS} s`));
  return { clock: 'kvm-clock', e, pvUpdateSeconds: KVM_CLOCK_SYNC_PERIOD_SECONDS, known, affected: Math.abs(e) > 1e-6, rating: 400, mustVerify: false, counterHz: 1e9, stall: RUNS, contributions: c };
}

/** The rate the guest kernel converts its TSC with, and how it came by it (model.md §1.2). */
function believedTsc(ctx: Ctx): { fBel: number; how: string } {
  const { p, claimed, known } = ctx;
  if ((p.hypervisor === 'virtualbox' && ctx.pvClockOn) || (p.hypervisor === 'kvm' && p.kvmclockEnabled)) return paravirtCalibration(ctx);
  if (p.hypervisor === 'vmware' || p.hypervisor === 'hyperv' || p.hypervisor === 'xen') {
    return { fBel: claimed, how: `the guest takes tsc_khz from the hypervisor (${groupDigits(claimed)} Hz)` };
  }
  if (p.hypervisor === 'bare-metal' && known) return { fBel: claimed, how: `the kernel calibrated the TSC at ${groupDigits(claimed)} Hz` };
  // Native calibration against emulated PIT/HPET/PM timers measures f_act in virtual seconds.
  return { fBel: ctx.fAct / (1 + ctx.eVirt), how: 'the guest calibrated the TSC against emulated timers, which measures the rate it actually has' };
}

/** kvm_get_tsc_khz / the Hyper-V frequency MSR: the announced rate becomes tsc_khz, refined or not by the 1 % rule. */
function paravirtCalibration(ctx: Ctx): { fBel: number; how: string } {
  const boot = ctx.claimed;
  if (ctx.knownFreqKernel) {
    return { fBel: boot, how: `tsc_khz comes from the paravirt clock (${groupDigits(boot)} Hz) and is marked known (tsc_known_freq), so refined calibration is skipped` };
  }
  const measured = ctx.fAct / (1 + ctx.eVirt);
  const dev = measured / boot - 1;
  if (Math.abs(dev) <= TSC_REFINE_ACCEPT_FRACTION) {
    return { fBel: measured, how: `the boot value ${groupDigits(boot)} Hz from the paravirt clock was replaced by refined calibration (${(dev * 100).toFixed(2)} % is within the 1 % rule)` };
  }
  return { fBel: boot, how: `refined calibration measured ${groupDigits(measured)} Hz but rejected it (${(dev * 100).toFixed(2)} % is outside the 1 % rule), keeping ${groupDigits(boot)} Hz` };
}

function tscClock(ctx: Ctx): ClockModel {
  const p = ctx.p;
  const c: Contribution[] = [];
  const { fBel, how } = believedTsc(ctx);
  const fAct = ctx.fAct;
  const e = fAct / fBel - 1;
  const eFreq = e - (fBel === fAct / (1 + ctx.eVirt) ? ctx.eVirt : 0);
  if (Math.abs(eFreq) > 1e-12) c.push(contribution('tsc-frequency-claim', eFreq, `tsc converts with ${groupDigits(fBel)} Hz while ${ctx.fActText}; ${how}`));
  else c.push(contribution('tsc-calibration', 0, how));
  const v = virtText(ctx, 'tsc');
  if (v && Math.abs(eFreq) <= 1e-12) c.push(v);
  if (p.hypervisor === 'vmware') c.push(vmwareTscContribution(p.vmwarePtsc));
  return { clock: 'tsc', e, pvUpdateSeconds: null, known: ctx.known, affected: Math.abs(eFreq) > 1e-9, rating: 300, mustVerify: !p.tscReliable && p.hypervisor !== 'vmware', counterHz: fAct, stall: ctx.tscStall, contributions: c };
}

/** What VMware's PTSC source means for the guest's TSC (vmware.log `PTSC: using …`, or the assumption). */
function vmwareTscContribution(ptsc: ModelParams['vmwarePtsc']): Contribution {
  if (ptsc === 'tsc') return contribution('vmware-tsc', 0, "PTSC is the hardware TSC (vmware.log): the guest's TSC ticks at the host's real rate; VMware's TSC_RELIABLE flag exempts it from the clocksource watchdog");
  if (ptsc === 'reference-clock') return contribution('vmware-tsc', 0, "PTSC runs on the host's reference clock (vmware.log): the guest's TSC follows the host clock at the announced rate, and its timeTracker catches up lost time like the other virtual timers");
  return contribution('vmware-tsc', 0, 'VMware is taken to pass the host TSC through on an invariant-TSC host, and its TSC_RELIABLE flag to exempt the TSC from the clocksource watchdog', true);
}

function virtText(ctx: Ctx, clock: string): Contribution | null {
  return ctx.eVirt === 0 ? null : contribution('crystal', ctx.eVirt, `${clock} runs on the host's virtual time, whose crystal is off by ${fmtPpm(ctx.p.crystalPpm)}`);
}

/** acpi_pm and hpet, emulated from the hypervisor's virtual time. */
function emulatedClocks(ctx: Ctx): ClockModel[] {
  const { p, A, eVirt } = ctx;
  const out: ClockModel[] = [];
  const c: Contribution[] = [contribution('emulated-timer', 0, `acpi_pm is emulated from the hypervisor's virtual time (3 579 545 Hz), so a wrong TSC rate does not touch it`)];
  const v = virtText(ctx, 'acpi_pm');
  if (v) c.push(v);
  out.push({ clock: 'acpi_pm', e: eVirt, pvUpdateSeconds: null, known: true, affected: false, rating: 200, mustVerify: false, counterHz: ACPI_PM_HZ, stall: virtualStall(ctx, ACPI_PM_WRAP_SECONDS), contributions: c });
  const hpetPresent = p.hpetPresent ?? (p.hypervisor !== 'virtualbox' || p.clocksource === 'hpet' || p.watchdogClock === 'hpet');
  if (hpetPresent) {
    const hz = p.hypervisor === 'kvm' ? A.qemuHpetHz : HPET_ICH9_HZ;
    if (p.hypervisor === 'kvm') ctx.used.add('qemuHpetHz');
    const h: Contribution[] = [contribution('emulated-timer', 0, `hpet is emulated from the hypervisor's virtual time (${groupDigits(hz)} Hz)`)];
    const vh = virtText(ctx, 'hpet');
    if (vh) h.push(vh);
    out.push({ clock: 'hpet', e: eVirt, pvUpdateSeconds: null, known: true, affected: false, rating: 250, mustVerify: false, counterHz: hz, stall: virtualStall(ctx, HPET_MASK_TICKS / hz), contributions: h });
  }
  return out;
}

/** How lost ticks come back to a tick-counting clock. */
function jiffiesStall(ctx: Ctx): StallModel {
  const { p, A } = ctx;
  if (p.hypervisor === 'virtualbox' || p.hypervisor === 'vmware') return virtualStall(ctx, null);
  if (p.lostTickPolicy === 'slew') { ctx.used.add('qemuSlewSpeedUp'); return { frozen: true, catchUp: { speedUp: A.qemuSlewSpeedUp, giveUpSeconds: Infinity }, wrapSeconds: null }; }
  if (p.lostTickPolicy === 'reinject') { ctx.used.add('reinjectSpeedUp'); return { frozen: true, catchUp: { speedUp: A.reinjectSpeedUp, giveUpSeconds: Infinity }, wrapSeconds: null }; }
  return { frozen: true, catchUp: null, wrapSeconds: null };
}

function jiffiesClock(ctx: Ctx): ClockModel {
  const p = ctx.p;
  const c: Contribution[] = [];
  let e = ctx.eVirt;
  if (p.tick === 'periodic') {
    // The PIT's LATCH rounding is an x86 matter: an arm64 periodic tick comes from the generic timer.
    if (p.arch === 'arm64') c.push(contribution('arch-timer-tick', 0, `the HZ=${p.hz} tick comes from the generic timer`));
    else {
      const r = pitRoundingError(p.hz);
      e += r;
      c.push(contribution('pit-latch-rounding', r, `jiffies assumes exactly 1/${p.hz} s per tick while the PIT fires every ${pitLatch(p.hz)}/1 193 182 s (LATCH rounding)`));
    }
    if (p.lostTickFraction > 0) {
      e -= p.lostTickFraction;
      c.push(contribution('lost-ticks', -p.lostTickFraction, `${(p.lostTickFraction * 100).toFixed(2)} % of the HZ=${p.hz} ticks are never delivered and jiffies counts ticks`));
    }
  } else {
    c.push(contribution('nohz', 0, 'tickless kernel: jiffies is advanced from the clocksource, ticks lost while idle cost no time'));
  }
  const v = virtText(ctx, 'jiffies');
  if (v) c.push(v);
  return { clock: 'jiffies', e, pvUpdateSeconds: null, known: true, affected: false, rating: 1, mustVerify: false, counterHz: p.hz, stall: jiffiesStall(ctx), contributions: c };
}

/** Which clock watches the one in use, and whether it demotes it (model.md §4). */
function watchdogOf(ctx: Ctx, clocks: Map<ClockName, ClockModel>): ClockSet['watchdog'] {
  const p = ctx.p;
  const cur = clocks.get(p.clocksource);
  if (!cur?.mustVerify) return null;
  const candidates = [...clocks.values()].filter((m) => !m.mustVerify && m.clock !== 'jiffies').sort((a, b) => b.rating - a.rating);
  const wd = (p.watchdogClock ? clocks.get(p.watchdogClock) : undefined) ?? candidates[0];
  if (!wd) return null;
  const verdict = watchdogVerdict(cur.e, wd.e, ctx.watchdogRule, cur.counterHz, wd.counterHz);
  const best = candidates[0];
  return { clock: wd.clock, verdict, switchTo: verdict.unstable && best ? best.clock : null };
}

/**
 * The ARM generic timer (`arch_sys_counter`): the kernel converts it with the rate CNTFRQ_EL0 states
 * (firmware sets it; the kernel reads, never calibrates it), and the counter is the host's own system
 * counter, so no announced rate can be wrong: its rate error is the host crystal's. What still goes
 * wrong in a VM: while the VM is paused or the host sleeps, QEMU (KVM's adjvtime, on by default; HVF
 * likewise) keeps the guest's virtual counter from advancing, and nothing adds the time afterwards —
 * the guest clock falls behind by the pause until a time-sync daemon steps it.
 */
function archCounter(ctx: Ctx): ClockModel {
  const p = ctx.p;
  const hz = p.counterHz ?? 0;
  const c: Contribution[] = [contribution('generic-timer', 0, `arch_sys_counter counts at the rate CNTFRQ_EL0 states${p.counterHz !== null ? ` (${groupDigits(p.counterHz)} Hz)` : ''}, set by firmware and read, not calibrated: no announced rate can be wrong`)];
  const v = virtText(ctx, 'arch_sys_counter');
  if (v) c.push(v);
  const vm = p.hypervisor !== 'bare-metal';
  if (vm) c.push(contribution('vm-pause', 0, "while the VM is paused or the host sleeps, the guest's virtual counter does not advance (QEMU adjusts the virtual offset), and nothing adds that time afterwards: the guest clock falls behind by the pause until a time-sync daemon steps it"));
  const stall: StallModel = vm ? { frozen: true, catchUp: null, wrapSeconds: null } : RUNS;
  return { clock: 'arch_sys_counter', e: ctx.eVirt, pvUpdateSeconds: null, known: true, affected: false, rating: 400, mustVerify: false, counterHz: hz > 0 ? hz : 1e9, stall, contributions: c };
}

/** Compute every clock the hypervisor offers this guest. */
export function clockModels(p: ModelParams): ClockSet {
  const ctx = contextOf(p);
  const clocks = new Map<ClockName, ClockModel>();
  const models = p.arch === 'arm64' ? [archCounter(ctx), jiffiesClock(ctx)] : [...paravirtClocks(ctx), tscClock(ctx), ...emulatedClocks(ctx), jiffiesClock(ctx)];
  for (const m of models) clocks.set(m.clock, m);
  // Lost ticks cost counter clocksources nothing: say so, so nobody wonders.
  if (p.lostTickFraction > 0) {
    for (const m of clocks.values()) {
      if (m.clock !== 'jiffies') m.contributions.push(contribution('lost-ticks', 0, `${(p.lostTickFraction * 100).toFixed(2)} % lost ticks only delay timers: ${m.clock} is a counter, not a tick count`));
    }
  }
  const watchdog = watchdogOf(ctx, clocks);
  return { clocks, tscMode: ctx.tscMode, switchedToRealTscOffset: ctx.switched, watchdog, notes: ctx.notes, assumptionsUsed: [...ctx.used] };
}
