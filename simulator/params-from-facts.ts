/**
 * THE bridge from evidence to the model: `analyze`, `check` and the agent's
 * `clockdoctor_predicted_drift_ratio` all call `predictFromFacts`, so the three can never disagree.
 *
 * It turns facts into `ModelParams` (hypervisor, paravirt provider, TSC mode and the RealTscOffset
 * switch, claimed and true TSC rates, guest clocksource, kernel era, ticks, correctors), runs the model,
 * and packs the answer as a `Prediction`. Where the evidence cannot settle a number the prediction says
 * null — it never guesses: a TSC-based clock with no true host rate gets no drift figure.
 */
import type { Facts, VboxParavirtProvider } from '../agent/facts.js';
import { derive, type Derived } from '../agent/derive/index.js';
import { clockModels } from './clocks.js';
import { ASSUMPTION_DEFAULTS, assumptionText, parseKernelVersion } from './constants.js';
import { simulate } from './engine.js';
import { fmtPpm, groupDigits, minutesSeconds } from '../agent/util/format.js';
import { CLOCK_NAMES, defaultParams, type ClockName, type CorrectorSpec, type Hypervisor, type ModelParams, type Paravirt } from './model-params.js';
import type { ClockPrediction, CorrectedPrediction, Prediction } from './prediction.js';

/** How long the corrected run looks for a pattern (a week shows VBoxService's 15 h sawtooth). */
export const CORRECTED_RUN_SECONDS = 7 * 86400;

export interface ParamsFromFacts {
  params: ModelParams;
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
    case 'firecracker': return 'kvm';
    default: return null;
  }
}

/** Evidence → model parameters. */
export function paramsFromFacts(f: Facts, d: Derived = derive(f)): ParamsFromFacts {
  const notes: string[] = [];
  const assumptions: string[] = [];
  const hv = hypervisorOf(d);
  const k = f.kernelLog;
  const v = f.vbox;
  const est = d.tsc.host;

  let paravirt: Paravirt = 'none';
  if (v?.paravirtProvider) paravirt = PARAVIRT[v.paravirtProvider];
  else if (hv === 'virtualbox' && k?.hypervisor === 'KVM') paravirt = 'kvm';
  else if (hv === 'virtualbox' && /hyper-v/i.test(k?.hypervisor ?? '')) paravirt = 'hyperv';

  // The rate the hypervisor hands over (derive/tsc.ts): the same one the findings judge.
  const claim = d.tsc.claimed;
  const claimed = claim?.hz ?? null;
  if (claim !== null) {
    notes.push(claim.how === 'vbox' ? `VirtualBox claims the TSC ticks at ${groupDigits(claim.hz)} Hz (cTSCTicksPerSecond)`
      : claim.how === 'hypervisor' ? `the guest kernel took ${groupDigits(claim.hz)} Hz from the hypervisor` : `the guest kernel took ${groupDigits(claim.hz)} Hz from the paravirt clock`);
  }
  const trueHz = est.hz;
  if (trueHz !== null) {
    // estimateHostTsc takes its answer from the first candidate.
    const c = est.candidates[0];
    notes.push(`true host TSC rate ${groupDigits(trueHz)} Hz from ${c?.text ?? est.source}`);
    if (est.strength === 'hint') assumptions.push(`assumption: the true host TSC rate ${groupDigits(trueHz)} Hz is a hint (${c?.text ?? est.source}), not a measurement`);
  }

  const kver = parseKernelVersion(k?.kernelVersion) ? (k?.kernelVersion ?? null) : null;
  const cmd = f.cmdline;
  const kvmclockEnabled = !(cmd?.noKvmclock ?? false);
  const tscReliable = cmd?.tsc.includes('reliable') ?? false;

  // Guest clocksource: what sysfs says, else the kernel log's last switch, else what the paravirt provider offers.
  let clocksource: ClockName | null = null;
  const named = d.clocksource.current;
  if (isClockName(named)) clocksource = named;
  else if (named === 'refined-jiffies') clocksource = 'jiffies';
  else if (named) notes.push(`guest clocksource ${named} is not in the model`);
  else if (hv === 'virtualbox' && (paravirt === 'kvm' || paravirt === 'hyperv') && kvmclockEnabled) {
    clocksource = paravirt === 'kvm' ? 'kvm-clock' : 'hyperv_clocksource_tsc_page';
    assumptions.push(`assumption: the guest clocksource is not in the evidence; ${clocksource} assumed because Linux picks the paravirt clock when it is offered`);
  }

  // VirtualBox TSC mode and the paravirt switch.
  // A switch the log shows happened was allowed, whatever the config line says.
  const tscModeSwitchAllowed = v?.switchedToRealTscOffset === true || v?.tscModeSwitchAllowed !== false;
  if (v?.switchedToRealTscOffset === true) notes.push('VirtualBox switched the TSC mode to RealTscOffset: the guest TSC ticks at the real host rate');
  const tscMode = v?.tscMode ?? 'Dynamic';

  const hz = f.timerList?.hz ?? null;
  if (hz === null) assumptions.push(assumptionText('defaultHz', ASSUMPTION_DEFAULTS.defaultHz));
  const periodic = f.timerList?.nohz === false || cmd?.nohz === 'off';

  // Correctors from the running daemons.
  const correctors: CorrectorSpec[] = [];
  for (const d of f.timesync?.daemons ?? []) {
    switch (d.name) {
      case 'chronyd': correctors.push({ name: 'chrony' }); break;
      case 'ntpd': case 'openntpd': correctors.push({ name: 'ntpd' }); break;
      case 'systemd-timesyncd': correctors.push({ name: 'timesyncd' }); break;
      case 'VBoxService': {
        const o = d.vboxTimesync;
        if (o && !o.enabled) { notes.push('VBoxService runs with its time sync disabled'); break; }
        const spec: CorrectorSpec = { name: 'vboxservice' };
        if (o?.intervalMs) spec.intervalSeconds = o.intervalMs / 1000;
        if (o?.minAdjustMs) spec.minAdjustSeconds = o.minAdjustMs / 1000;
        if (o?.setThresholdMs) spec.setThresholdSeconds = o.setThresholdMs / 1000;
        correctors.push(spec);
        break;
      }
      case 'vmtoolsd': notes.push('vmtoolsd runs; its periodic time sync is off by default and is not modelled unless enabled'); break;
      case 'hv_utils': notes.push('hv_utils steps the clock only on boot and restore; it is not a continuous corrector'); break;
      default: break;
    }
  }

  const params = defaultParams({
    hypervisor: hv ?? 'bare-metal',
    paravirt,
    clocksource: clocksource ?? 'tsc',
    claimedTscHz: claimed,
    trueTscHz: trueHz,
    tscMode,
    tscModeSwitchAllowed,
    tscTicksPerSecondOverride: v?.extradata.tscTicksPerSecond !== null && v?.extradata.tscTicksPerSecond !== undefined,
    kernelVersion: kver,
    kvmclockEnabled,
    tscReliable,
    hpetPresent: f.kernelLog?.hpetHz ? true : f.clocksource?.available.includes('hpet') ? true : null,
    hz: hz ?? ASSUMPTION_DEFAULTS.defaultHz,
    tick: periodic ? 'periodic' : 'nohz',
    correctors,
    durationSeconds: 300,
  });
  return { params, trueRateKnown: trueHz !== null, notes, assumptions, clocksource, usable: hv !== null || v !== null };
}

const NULL_PREDICTION = (explanation: string[], assumptions: string[]): Prediction => ({
  clocksource: null, driftPpm: null, secondsPerDay: null, guestSecondsPer300: null, fiveMinutesReadsAs: null,
  perClocksource: [], corrected: null, explanation, assumptions,
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

/** Evidence → prediction, per clocksource and for the running corrector(s). */
export function predictFromFacts(facts: Facts, d: Derived = derive(facts)): Prediction {
  const pf = paramsFromFacts(facts, d);
  if (!pf.usable) return NULL_PREDICTION(['nothing in the evidence identifies the platform; no prediction'], pf.assumptions);
  const p = pf.params;
  const cs = clockModels(p);
  const relevant: ClockName[] = [];
  for (const name of ['kvm-clock', 'hyperv_clocksource_tsc_page', 'xen', 'tsc', 'acpi_pm', 'hpet'] as ClockName[]) {
    if (cs.clocks.has(name)) relevant.push(name);
  }
  if (pf.clocksource && !relevant.includes(pf.clocksource) && cs.clocks.has(pf.clocksource)) relevant.push(pf.clocksource);

  const perClocksource: ClockPrediction[] = [];
  const unknown = new Set<ClockName>();
  const dependsOnUnknownRate = p.claimedTscHz === null || p.trueTscHz === null ? unknownRateProbe(p) : null;
  for (const name of relevant) {
    const m = cs.clocks.get(name);
    if (!m) continue;
    // A clock whose rate hangs on a TSC rate the evidence does not give gets no figure — on VirtualBox
    // the announced rate is the suspect itself, and elsewhere the model would only be repeating its
    // assumption that the hypervisor calibrated well (simulate can run that, saying so).
    if (dependsOnUnknownRate !== null && dependsOnUnknownRate(name)) {
      unknown.add(name);
      continue;
    }
    const ppm = m.e * 1e6;
    const g300 = 300 * (1 + m.e);
    perClocksource.push({
      clocksource: name,
      driftPpm: ppm,
      secondsPerDay: m.e * 86400,
      guestSecondsPer300: g300,
      fiveMinutesReadsAs: minutesSeconds(g300),
      affected: m.affected,
      contributions: m.contributions,
    });
  }

  const explanation = [...pf.notes, ...cs.notes];
  const assumptions = [...pf.assumptions, ...cs.assumptionsUsed.map((key) => assumptionText(key, p.assumptions[key]))];
  if (p.hypervisor !== 'virtualbox' && unknown.size > 0) {
    explanation.push(`on ${p.hypervisor} the announced TSC rate is the hypervisor's own host calibration, usually right to a few ppm (model.md S5); \`clockdoctor simulate\` can run that assumption`);
  }
  if (unknown.size > 0) {
    explanation.push(`${[...unknown].join(', ')}: no prediction — ${p.claimedTscHz === null ? 'the claimed TSC rate' : 'the true host TSC rate'} is not in the evidence (give --host-tsc-hz)`);
  }
  const main = pf.clocksource ? perClocksource.find((c) => c.clocksource === pf.clocksource) ?? null : null;
  if (pf.clocksource && !cs.clocks.has(pf.clocksource)) {
    explanation.push(`the guest uses ${pf.clocksource}, which this configuration (${p.hypervisor}${p.hypervisor === 'virtualbox' ? `, paravirt ${p.paravirt}` : ''}) does not offer: the pieces of evidence may come from different boots or VMs`);
  }
  if (main) for (const c of main.contributions) explanation.push(c.assumption ? `${c.text} (assumption)` : c.text);

  let corrected: CorrectedPrediction | null = null;
  if (main && p.correctors.length > 0) {
    const r = simulate({ ...p, durationSeconds: CORRECTED_RUN_SECONDS }, { traceBuckets: 200, maxStepRecords: 200 });
    corrected = {
      correctors: p.correctors.map((c) => c.name),
      pattern: r.pattern.kind,
      periodSeconds: r.pattern.periodSeconds,
      amplitudeSeconds: r.pattern.amplitudeSeconds,
      residualPpm: r.pattern.residualPpm ?? 0,
      text: r.fight ? `${r.pattern.text}; ${r.fight}` : r.pattern.text,
    };
    explanation.push(`with ${corrected.correctors.join(' + ')}: ${corrected.text}`);
    for (const a of r.assumptions) if (!assumptions.includes(a)) assumptions.push(a);
  }
  if (!main) {
    // The guest's clocksource is unknown, but if every clock it could use agrees, that is the answer.
    const first = perClocksource[0];
    const agree = first !== undefined && unknown.size === 0 && perClocksource.every((c) => Math.abs(c.driftPpm - first.driftPpm) < 0.5);
    if (!agree || !first) return { ...NULL_PREDICTION(explanation, assumptions), clocksource: pf.clocksource, perClocksource };
    explanation.unshift(`the guest clocksource is not in the evidence, but every clocksource it can use (${perClocksource.map((c) => c.clocksource).join(', ')}) predicts ${fmtPpm(first.driftPpm)}`);
    return {
      clocksource: null, driftPpm: first.driftPpm, secondsPerDay: first.secondsPerDay, guestSecondsPer300: first.guestSecondsPer300,
      fiveMinutesReadsAs: first.fiveMinutesReadsAs, perClocksource, corrected: null, explanation, assumptions,
    };
  }
  if (main.driftPpm !== 0) explanation.unshift(`${pf.clocksource} ${fmtPpm(main.driftPpm)}: 300 s read as ${main.guestSecondsPer300.toFixed(2)} s (${main.fiveMinutesReadsAs})`);
  return {
    clocksource: pf.clocksource,
    driftPpm: main.driftPpm,
    secondsPerDay: main.secondsPerDay,
    guestSecondsPer300: main.guestSecondsPer300,
    fiveMinutesReadsAs: main.fiveMinutesReadsAs,
    perClocksource,
    corrected,
    explanation,
    assumptions,
  };
}

/** Seconds gained per second (negative = slow) for the agent's metric; null when there is no prediction. */
export function predictedDriftRatio(p: Prediction): number | null {
  return p.driftPpm === null ? null : p.driftPpm * 1e-6;
}
