/**
 * THE bridge from evidence to the model: `analyze`, `check` and the agent's
 * `clockdoctor_predicted_drift_ratio` all call `predictFromFacts`, so the three can never disagree.
 *
 * It reads only the facts and `Derived` (agent/derive: platform, clocksource, the claimed and the true
 * TSC rate — the very values the rules judge), turns them into `ModelParams`, runs the model and packs
 * the answer as a `Prediction`. Where the evidence cannot settle a number the prediction says null and
 * why — it never guesses: a TSC-based clock with no true host rate gets no figure, nor does a bare-metal
 * counter whose error is its board's crystal.
 */
import type { Facts, VboxParavirtProvider } from '../agent/facts.js';
import { derive, type Derived } from '../agent/derive/index.js';
import { clockModels, type ClockSet } from './clocks.js';
import { ASSUMPTION_DEFAULTS, CORRECTOR_ABSORB, assumptionText, parseKernelVersion } from './constants.js';
import { simulate } from './engine.js';
import { fmtPpm, groupDigits, minutesSeconds } from '../agent/util/format.js';
import { CLOCK_NAMES, defaultParams, type ClockName, type CorrectorSpec, type Hypervisor, type ModelParams, type Paravirt } from './model-params.js';
import type { Absorb, ClockPrediction, CorrectedPrediction, Prediction } from './prediction.js';

/** How long the corrected run looks for a pattern (a week shows VBoxService's 15 h sawtooth). */
export const CORRECTED_RUN_SECONDS = 7 * 86400;

/** Absorb limit when no corrector is known: what NTP's kernel discipline could follow. */
export const NO_CORRECTOR_ABSORB_PPM = 500;

export interface ParamsFromFacts {
  params: ModelParams;
  /**
   * False when the evidence is a VirtualBox 5.0+ (or unversioned) log without its `GIM: Using provider`
   * line: the provider decides which rate the guest converts its TSC with, so TSC-based clocks get no number.
   */
  paravirtKnown: boolean;
  /** True when the true host TSC rate is known (from `estimateHostTsc`). */
  trueRateKnown: boolean;
  /** Sentences about what the evidence said and what had to be assumed. */
  notes: string[];
  assumptions: string[];
  /** Clocksource named by the evidence (sysfs / kernel log) or implied by the paravirt provider; null when unknown. */
  clocksource: ClockName | null;
  /** True when something identifies the platform at all. */
  usable: boolean;
}

const PARAVIRT: Record<VboxParavirtProvider, Paravirt> = { None: 'none', Minimal: 'minimal', KVM: 'kvm', HyperV: 'hyperv' };

function isClockName(x: string | null | undefined): x is ClockName {
  return x !== null && x !== undefined && (CLOCK_NAMES as readonly string[]).includes(x);
}

/** The model's hypervisor for the derived platform (derive/platform.ts); null when the model has none for it. */
function hypervisorOf(d: Derived): Hypervisor | null {
  if (d.platform.role === 'host' || d.platform.role === 'bare-metal') return 'bare-metal';
  switch (d.platform.hypervisor) {
    case 'virtualbox': case 'vmware': case 'hyperv': case 'xen': case 'kvm': return d.platform.hypervisor;
    // QEMU with KVM, Hypervisor.framework (Lima, UTM) or Firecracker: KVM's clocks and counter handling.
    case 'firecracker': case 'qemu': case 'hvf': return 'kvm';
    default: return null;
  }
}

/** ARM (v7 with the generic timer, or arm64): no TSC, no PC timers; the model's arm64 clock set. */
const isArm = (d: Derived): boolean => d.platform.arch === 'arm64' || d.platform.arch === 'arm';

/** VirtualBox before 5.0 had no paravirtualisation providers (GIM): a 4.x guest always calibrates its TSC itself. */
function paravirtKnownOf(f: Facts, hv: Hypervisor | null): boolean {
  if (hv !== 'virtualbox' || f.vbox === null || f.vbox.paravirtProvider !== null) return true;
  if (f.kernelLog?.hypervisor) return true;
  const major = f.vbox.version === null ? Number.NaN : Number.parseInt(f.vbox.version, 10);
  return major < 5;
}

function paravirtOf(f: Facts, hv: Hypervisor | null): Paravirt {
  const v = f.vbox;
  const k = f.kernelLog;
  if (v?.paravirtProvider) return PARAVIRT[v.paravirtProvider];
  if (hv === 'virtualbox' && k?.hypervisor === 'KVM') return 'kvm';
  if (hv === 'virtualbox' && /hyper-v/i.test(k?.hypervisor ?? '')) return 'hyperv';
  return 'none';
}

/** Notes on the two TSC rates the model is given (the same ones the rules judge). */
function rateNotes(d: Derived, notes: string[], assumptions: string[]): void {
  const claim = d.tsc.claimed;
  if (claim !== null) {
    const hz = groupDigits(claim.hz);
    notes.push(claim.how === 'vbox' ? `VirtualBox claims the TSC ticks at ${hz} Hz (cTSCTicksPerSecond)`
      : claim.how === 'vmware' ? `VMware uses and announces ${hz} Hz for the host TSC (vmware.log)`
        : claim.how === 'hypervisor' ? `the guest kernel took ${hz} Hz from the hypervisor` : `the guest kernel took ${hz} Hz from the paravirt clock`);
  }
  const est = d.tsc.host;
  if (est.hz !== null) {
    // estimateHostTsc takes its answer from the first candidate.
    const c = est.candidates[0];
    notes.push(`true host TSC rate ${groupDigits(est.hz)} Hz from ${c?.text ?? est.source}`);
    if (est.strength === 'hint') assumptions.push(`assumption: the true host TSC rate ${groupDigits(est.hz)} Hz is a hint (${c?.text ?? est.source}), not a measurement`);
  }
  const u = d.tsc.user;
  if (u !== null && !u.accepted) notes.push(`--host-tsc-hz ${groupDigits(u.hz)} is not used: ${u.why}`);
}

/** Guest clocksource: what sysfs says, else the kernel log's last switch, else what the paravirt provider offers. */
function clocksourceOf(d: Derived, hv: Hypervisor | null, paravirt: Paravirt, kvmclockEnabled: boolean, notes: string[], assumptions: string[]): ClockName | null {
  const named = d.clocksource.current;
  if (isClockName(named)) return named;
  if (named === 'refined-jiffies') return 'jiffies';
  if (named) { notes.push(`guest clocksource ${named} is not in the model`); return null; }
  if (hv === 'virtualbox' && (paravirt === 'kvm' || paravirt === 'hyperv') && kvmclockEnabled) {
    const cs: ClockName = paravirt === 'kvm' ? 'kvm-clock' : 'hyperv_clocksource_tsc_page';
    assumptions.push(`assumption: the guest clocksource is not in the evidence; ${cs} assumed because Linux picks the paravirt clock when it is offered`);
    return cs;
  }
  if (isArm(d)) return 'arch_sys_counter';
  return null;
}

/** The time-sync daemons running, as model correctors. */
function correctorsOf(f: Facts, notes: string[]): CorrectorSpec[] {
  const out: CorrectorSpec[] = [];
  for (const d of f.timesync?.daemons ?? []) {
    switch (d.name) {
      case 'chronyd': out.push({ name: 'chrony' }); break;
      case 'ntpd': case 'openntpd': out.push({ name: 'ntpd' }); break;
      case 'systemd-timesyncd': out.push({ name: 'timesyncd' }); break;
      case 'VBoxService': {
        const o = d.vboxTimesync;
        if (o && !o.enabled) { notes.push('VBoxService runs with its time sync disabled'); break; }
        const spec: CorrectorSpec = { name: 'vboxservice' };
        if (o?.intervalMs) spec.intervalSeconds = o.intervalMs / 1000;
        if (o?.minAdjustMs) spec.minAdjustSeconds = o.minAdjustMs / 1000;
        if (o?.setThresholdMs) spec.setThresholdSeconds = o.setThresholdMs / 1000;
        out.push(spec);
        break;
      }
      case 'vmtoolsd': break;
      case 'hv_utils': notes.push('hv_utils steps the clock only on boot and restore; it is not a continuous corrector'); break;
      default: break;
    }
  }
  // VMware Tools disciplines the clock only with periodic sync on (vmware-toolbox-cmd / tools.syncTime).
  const tools = f.vmtools;
  const periodic = tools?.periodicSync ?? f.vmware?.toolsSyncTime ?? null;
  const off = tools?.disableAll === true || tools?.disablePeriodic === true;
  if (periodic === true && !off) out.push({ name: 'vmware-tools' });
  else if (tools !== null || f.timesync?.daemons.some((d) => d.name === 'vmtoolsd')) notes.push('vmtoolsd runs; its periodic time sync is off (or not known to be on) and is not modelled; its one-off syncs step the clock to the host\'s on start, resume and snapshot revert');
  return out;
}

/** Evidence → model parameters. */
export function paramsFromFacts(f: Facts, d: Derived = derive(f)): ParamsFromFacts {
  const notes: string[] = [];
  const assumptions: string[] = [];
  const hv = hypervisorOf(d);
  const v = f.vbox;
  const paravirt = paravirtOf(f, hv);
  rateNotes(d, notes, assumptions);
  const kver = parseKernelVersion(f.kernelLog?.kernelVersion) ? (f.kernelLog?.kernelVersion ?? null) : null;
  const cmd = f.cmdline;
  const kvmclockEnabled = !(cmd?.noKvmclock ?? false);
  const clocksource = clocksourceOf(d, hv, paravirt, kvmclockEnabled, notes, assumptions);
  // A switch the log shows happened was allowed, whatever the config line says.
  if (v?.switchedToRealTscOffset === true) notes.push('VirtualBox switched the TSC mode to RealTscOffset: the guest TSC ticks at the real host rate');
  const hz = f.timerList?.hz ?? null;
  if (hz === null) assumptions.push(assumptionText('defaultHz', ASSUMPTION_DEFAULTS.defaultHz));
  const params = defaultParams({
    hypervisor: hv ?? 'bare-metal',
    arch: isArm(d) ? 'arm64' : 'x86',
    vmwarePtsc: f.vmware?.ptscSource ?? null,
    paravirt,
    clocksource: clocksource ?? (isArm(d) ? 'arch_sys_counter' : 'tsc'),
    claimedTscHz: d.tsc.claimed?.hz ?? null,
    trueTscHz: d.tsc.host.hz,
    tscMode: v?.tscMode ?? 'Dynamic',
    tscModeSwitchAllowed: v?.switchedToRealTscOffset === true || v?.tscModeSwitchAllowed !== false,
    tscTicksPerSecondOverride: v?.extradata.tscTicksPerSecond !== null && v?.extradata.tscTicksPerSecond !== undefined,
    kernelVersion: kver,
    kvmclockEnabled,
    tscReliable: cmd?.tsc.includes('reliable') ?? false,
    hpetPresent: f.kernelLog?.hpetHz ? true : f.clocksource?.available.includes('hpet') ? true : null,
    hz: hz ?? ASSUMPTION_DEFAULTS.defaultHz,
    tick: f.timerList?.nohz === false || cmd?.nohz === 'off' ? 'periodic' : 'nohz',
    correctors: correctorsOf(f, notes),
    durationSeconds: 300,
  });
  return { params, paravirtKnown: paravirtKnownOf(f, hv), trueRateKnown: d.tsc.host.hz !== null, notes, assumptions, clocksource, usable: hv !== null || v !== null || f.vmware !== null };
}

const NULL_PREDICTION = (explanation: string[], assumptions: string[]): Prediction => ({
  clocksource: null, driftPpm: null, secondsPerDay: null, guestSecondsPer300: null, fiveMinutesReadsAs: null,
  perClocksource: [], corrected: null, absorb: null, reference: null, explanation, assumptions,
});

/**
 * Which clocks' rates depend on a TSC rate the evidence does not give? Computed, not tabled: run the
 * clock models with two different hypothetical true rates and see which clocks notice.
 */
function unknownRateProbe(p: ModelParams): (clock: ClockName) => boolean {
  const base = p.claimedTscHz ?? p.trueTscHz ?? 3e9;
  const a = clockModels({ ...p, claimedTscHz: p.claimedTscHz ?? base, trueTscHz: p.trueTscHz ?? base }).clocks;
  const b = clockModels({
    ...p,
    claimedTscHz: p.claimedTscHz ?? (p.trueTscHz !== null ? p.trueTscHz * 1.01 : base),
    trueTscHz: p.trueTscHz ?? base * 1.01,
  }).clocks;
  return (clock) => a.get(clock)?.e !== b.get(clock)?.e;
}

/** Clocks whose rate the paravirtualisation provider decides. */
const PROVIDER_DECIDES: readonly ClockName[] = ['tsc', 'kvm-clock', 'hyperv_clocksource_tsc_page'];

/** Why a clock gets no number, or null when it gets one. */
function unknownBecause(p: ModelParams, name: ClockName, dependsOnRate: ((c: ClockName) => boolean) | null, paravirtKnown = true): string | null {
  if (!paravirtKnown && PROVIDER_DECIDES.includes(name)) {
    return 'VirtualBox\'s paravirtualisation provider is not in the log (no `GIM: Using provider` line), and it decides which rate the guest converts its TSC with';
  }
  // On bare metal every counter is the board's own: its error is its crystal's, which no log states;
  // the TSC gets a number only when the evidence gives both its calibration and its true rate.
  if (p.hypervisor === 'bare-metal' && !(name === 'tsc' && p.claimedTscHz !== null && p.trueTscHz !== null)) {
    return name === 'tsc'
      ? 'on bare metal the kernel converts the TSC with its own calibration against the board\'s timers; its error against true time is the board crystal\'s, which no evidence here states'
      : 'on bare metal this counter runs on the board\'s own crystal, whose error (typically tens of ppm) no evidence here states';
  }
  if (dependsOnRate !== null && dependsOnRate(name)) {
    return p.claimedTscHz === null
      ? 'the TSC rate the hypervisor gives the guest is not in the evidence (not at all, or not as a rate a hypervisor can give)'
      : 'the true host TSC rate is not in the evidence (give --host-tsc-hz)';
  }
  return null;
}

/** Per-clocksource predictions, every clock the configuration offers; null numbers with the reason where unknown. */
function perClockOf(p: ModelParams, cs: ClockSet, relevant: ClockName[], paravirtKnown: boolean): ClockPrediction[] {
  const depends = p.claimedTscHz === null || p.trueTscHz === null ? unknownRateProbe(p) : null;
  const out: ClockPrediction[] = [];
  for (const name of relevant) {
    const m = cs.clocks.get(name);
    if (!m) continue;
    const why = unknownBecause(p, name, depends, paravirtKnown);
    if (why !== null) {
      out.push({ clocksource: name, driftPpm: null, secondsPerDay: null, guestSecondsPer300: null, fiveMinutesReadsAs: null, unknownBecause: why, affected: m.affected, contributions: m.contributions });
      continue;
    }
    const g300 = 300 * (1 + m.e);
    out.push({ clocksource: name, driftPpm: m.e * 1e6, secondsPerDay: m.e * 86400, guestSecondsPer300: g300, fiveMinutesReadsAs: minutesSeconds(g300), unknownBecause: null, affected: m.affected, contributions: m.contributions });
  }
  return out;
}

/** The clocks worth listing for this guest: the usual ones it has, and the one it uses. */
function relevantClocks(cs: ClockSet, current: ClockName | null): ClockName[] {
  const relevant: ClockName[] = [];
  for (const name of ['kvm-clock', 'hyperv_clocksource_tsc_page', 'xen', 'tsc', 'arch_sys_counter', 'acpi_pm', 'hpet'] as ClockName[]) if (cs.clocks.has(name)) relevant.push(name);
  if (current && !relevant.includes(current) && cs.clocks.has(current)) relevant.push(current);
  return relevant;
}

/** What the correctors running can absorb (model.md §3), and whether `ppm` is beyond it. */
export function absorbOf(p: ModelParams, ppm: number | null): Absorb {
  let limit = NO_CORRECTOR_ABSORB_PPM;
  let by = 'none';
  if (p.correctors.length > 0) {
    limit = 0;
    for (const c of p.correctors) {
      const a = CORRECTOR_ABSORB[c.name] * 1e6;
      if (a > limit) { limit = a; by = c.name; }
    }
  }
  return { ppm: limit, by, beyond: ppm === null ? null : Math.abs(ppm) > limit };
}

/** A week with the running correctors, as the pattern they make. */
function correctedOf(p: ModelParams, assumptions: string[]): CorrectedPrediction {
  const r = simulate({ ...p, durationSeconds: CORRECTED_RUN_SECONDS }, { traceBuckets: 200, maxStepRecords: 200 });
  for (const a of r.assumptions) if (!assumptions.includes(a)) assumptions.push(a);
  return {
    correctors: p.correctors.map((c) => c.name),
    pattern: r.pattern.kind,
    periodSeconds: r.pattern.periodSeconds,
    amplitudeSeconds: r.pattern.amplitudeSeconds,
    residualPpm: r.pattern.residualPpm ?? 0,
    text: r.fight ? `${r.pattern.text}; ${r.fight}` : r.pattern.text,
  };
}

/** Sentences about the clocks with no number, and the configuration the evidence does not fit. */
function unknownNotes(p: ModelParams, cs: ClockSet, per: ClockPrediction[], current: ClockName | null, explanation: string[]): void {
  const unknown = per.filter((c) => c.driftPpm === null);
  const byRate = unknown.filter((c) => /TSC rate|provider/.test(c.unknownBecause ?? ''));
  if (p.hypervisor !== 'virtualbox' && byRate.length > 0) {
    explanation.push(`on ${p.hypervisor} the announced TSC rate is the hypervisor's own host calibration, usually right to a few ppm (model.md S5); \`clockdoctor simulate\` can run that assumption`);
  }
  if (byRate.length > 0) explanation.push(`${byRate.map((c) => c.clocksource).join(', ')}: no prediction — ${byRate[0]?.unknownBecause ?? ''}`);
  const crystal = unknown.filter((c) => !byRate.includes(c));
  if (crystal.length > 0) explanation.push(`${crystal.map((c) => c.clocksource).join(', ')}: not known — ${crystal[0]?.unknownBecause ?? ''}`);
  if (current && !cs.clocks.has(current)) {
    explanation.push(`the guest uses ${current}, which this configuration (${p.hypervisor}${p.hypervisor === 'virtualbox' ? `, paravirt ${p.paravirt}` : ''}) does not offer: the pieces of evidence may come from different boots or VMs`);
  }
}

/** The top-level numbers when the guest's clocksource is unknown: the common figure if every clock agrees. */
function agreedFigure(per: ClockPrediction[]): ClockPrediction | null {
  const first = per[0];
  if (first === undefined || first.driftPpm === null) return null;
  return per.every((c) => c.driftPpm !== null && Math.abs(c.driftPpm - (first.driftPpm as number)) < 0.5) ? first : null;
}

/** Evidence → prediction, per clocksource and for the running corrector(s). */
export function predictFromFacts(facts: Facts, d: Derived = derive(facts)): Prediction {
  const pf = paramsFromFacts(facts, d);
  if (!pf.usable) return NULL_PREDICTION(['nothing in the evidence identifies the platform; no prediction'], pf.assumptions);
  const p = pf.params;
  const cs = clockModels(p);
  const per = perClockOf(p, cs, relevantClocks(cs, pf.clocksource), pf.paravirtKnown);
  const explanation = [...pf.notes, ...cs.notes];
  // An assumption behind kvm-clock's rate stands behind no number when kvm-clock has none.
  const kvmKnown = per.some((c) => c.clocksource === 'kvm-clock' && c.driftPpm !== null);
  const used = cs.assumptionsUsed.filter((key) => key !== 'kvmHostCalibrationPpm' || kvmKnown);
  const assumptions = [...pf.assumptions, ...used.map((key) => assumptionText(key, p.assumptions[key]))];
  unknownNotes(p, cs, per, pf.clocksource, explanation);
  const reference = p.hypervisor === 'bare-metal' ? 'true-time' : 'host-clock';
  const main = pf.clocksource ? per.find((c) => c.clocksource === pf.clocksource) ?? null : null;
  // A clocksource the evidence names but the model lacks: no common figure stands in for it.
  const shown = main ?? (d.clocksource.current === null ? agreedFigure(per) : null);
  if (main) for (const c of main.contributions) explanation.push(c.assumption ? `${c.text} (assumption)` : c.text);
  const corrected = main && main.driftPpm !== null && p.correctors.length > 0 ? correctedOf(p, assumptions) : null;
  if (corrected) explanation.push(`with ${corrected.correctors.join(' + ')}: ${corrected.text}`);
  if (!main && shown) explanation.unshift(`the guest clocksource is not in the evidence, but every clocksource it can use (${per.map((c) => c.clocksource).join(', ')}) predicts ${fmtPpm(shown.driftPpm ?? 0)}`);
  if (main && main.driftPpm !== null && main.driftPpm !== 0) explanation.unshift(`${pf.clocksource} ${fmtPpm(main.driftPpm)}: 300 s read as ${(main.guestSecondsPer300 ?? 0).toFixed(2)} s (${main.fiveMinutesReadsAs})`);
  const drift = shown?.driftPpm ?? null;
  return {
    clocksource: main ? pf.clocksource : shown ? null : pf.clocksource,
    driftPpm: drift,
    secondsPerDay: shown?.secondsPerDay ?? null,
    guestSecondsPer300: shown?.guestSecondsPer300 ?? null,
    fiveMinutesReadsAs: shown?.fiveMinutesReadsAs ?? null,
    perClocksource: per,
    corrected,
    absorb: drift === null ? null : absorbOf(p, drift),
    reference,
    explanation,
    assumptions,
  };
}

/** Seconds gained per second (negative = slow) for the agent's metric; null when there is no prediction. */
export function predictedDriftRatio(p: Prediction): number | null {
  return p.driftPpm === null ? null : p.driftPpm * 1e-6;
}
