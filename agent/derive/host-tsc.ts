/**
 * The true host TSC rate, estimated from every source the evidence offers.
 *
 * Why independence matters: the number under suspicion is `cTSCTicksPerSecond`, the rate VirtualBox
 * hands a paravirtualised guest. VirtualBox does not measure it separately — `tmR3CalibrateTSC()`
 * returns the GIP's `u64CpuHz` at VM start, and that same value is logged as the 7.x
 * `cTSCTicksPerSecondHost` (formats.md §4.5). So without a `TSCTicksPerSecond` extradata override,
 * the GIP global rate, the per-CPU GIP rates (copies of the same calibration on an invariant host) and
 * `cTSCTicksPerSecondHost` all equal `cTSCTicksPerSecond` by construction: comparing them with it proves
 * nothing, and a wrong GIP calibration (the documented 5.0 case) would look "healthy". They become an
 * independent measurement only when the extradata override replaced `cTSCTicksPerSecond` (or when
 * they visibly differ from it, which can only happen through an override or a rescaling).
 *
 * Independent sources, strongest first:
 *  1. the user's `--host-tsc-hz` (they measured it, e.g. the host kernel's refined calibration);
 *  2. host CPUID leaf 0x15 with an enumerated crystal (ecx ≠ 0): exact by definition of the leaf;
 *  3. GIP consensus / `cTSCTicksPerSecondHost` — only when independent (see above) and the per-CPU
 *     spread is small, because a spread ≥ 0.1 % means the calibration itself was unreliable;
 *  4. hints: leaf 0x15 with a crystal inferred from the CPU family, leaf 0x16 base MHz, the brand
 *     string's `@ N.NNGHz`. On Intel parts with an invariant TSC the TSC runs at the nominal base
 *     frequency to within about 0.1 %, so these can expose a percent-level miscalibration but not a
 *     ppm-level one.
 *
 * When no strong independent source exists, VirtualBox's own calibration is still the most precise
 * number we have *if* it agrees with the nominal hints (within 0.5 %): then it is the estimate (as a
 * hint). When it disagrees with them by more than that, the calibration is the suspect and the
 * nominal hint wins. Two exceptions, both from real logs:
 *  - an inferred-crystal leaf 0x15 rate that the GIP confirms to 0.1 % wins over the brand's GHz:
 *    CPUID arithmetic and a timed measurement cannot be wrong the same way, while mobile parts run
 *    their TSC well above the brand's base (i5-10210U "@ 1.60GHz" ticks at 2 112 MHz);
 *  - when the per-CPU GIP rates disagree, the global rate can be one CPU's bad measurement (6.1.38:
 *    one CPU 2 955 MHz, three 2 893 MHz): the per-CPU median is then a hint that differs from the
 *    claim and is preferred when it agrees with the nominal GHz.
 */
import type { Facts, VboxFacts } from '../facts.js';
// Not toLocaleString: the first call loads ICU, ~8 ms of a one-shot analyze.
import { fmtGhz, fmtHz, rateErrorPpm } from '../util/rates.js';
import { median } from '../util/stats.js';
import { isPlausibleTscHz } from '../util/units.js';
import { vmwareHostCandidates } from './vmware.js';

/** The true host TSC rate, estimated from every independent source the evidence offers. */
export interface HostTscCandidate {
  source: 'user' | 'cpuid-leaf-0x15' | 'gip-consensus' | 'cTSCTicksPerSecondHost' | 'cpuid-inferred-crystal' | 'brand-nominal' | 'cpuid-leaf-0x16' | 'vmmon';
  hz: number;
  /** `strong` = a measurement or enumerated value; `hint` = nominal or inferred. */
  strength: 'strong' | 'hint';
  text: string;
}

export interface HostTscEstimate {
  /** Best value, or null when there is no source at all. */
  hz: number | null;
  source: HostTscCandidate['source'] | null;
  strength: 'strong' | 'hint' | null;
  candidates: HostTscCandidate[];
}

/** Per-CPU GIP spread (ppm) above which the GIP calibration is not trusted (formats.md §4.7.1: 0.1 %). */
export const GIP_SPREAD_UNRELIABLE_PPM = 1000;

/** How close (ppm) VirtualBox's own calibration must be to a nominal hint to be preferred over it. */
export const CALIBRATION_AGREES_WITH_NOMINAL_PPM = 5000;

/** Inferred-crystal values further than this from a nominal hint are a wrong crystal guess. */
const INFERRED_CRYSTAL_AGREES_PPM = 10_000;

/** An inferred-crystal rate this close to VirtualBox's measurement confirms both. */
const INFERRED_MATCHES_CALIBRATION_PPM = 1000;

const mhz = (hz: number): string => `${(hz / 1e6).toFixed(hz % 1e6 === 0 ? 0 : 3)} MHz`;

/**
 * Does the brand's `@ N.NNGHz` track the TSC rate? Up to Broadwell the TSC ticks at the brand's base
 * frequency (to about 0.3 %); from Skylake on (6th-generation Core and later) mobile parts tick it well
 * above: i5-7200U "@ 2.50GHz" ticks at 2 712 MHz, i5-10210U "@ 1.60GHz" at 2 112 MHz (both real
 * corpus logs, confirmed by CPUID leaf 0x15 and the GIP). Those CPUs have leaf 0x15, which VBox.log
 * shows; their brand is no hint.
 */
export function brandTracksTsc(brand: string | null): boolean {
  if (brand === null) return true;
  return !/\bi[3579]-(?:[6-9]\d{3}|1\d{4})|\b\d{1,2}th Gen\b|Core\(TM\) Ultra|\bm[357]-\d/i.test(brand);
}

/**
 * True when VirtualBox's own host-rate calibration (GIP, `cTSCTicksPerSecondHost`) is a measurement
 * independent of `cTSCTicksPerSecond`: an extradata override replaced the latter, or they differ.
 */
export function calibrationIndependentOfClaim(vbox: VboxFacts): boolean {
  if (vbox.extradata.tscTicksPerSecond !== null) return true;
  const claimed = vbox.tscTicksPerSecond;
  const host = vbox.hostTscTicksPerSecond ?? vbox.gipCpuHz;
  if (claimed === null || host === null) return false;
  // 7.1+ TSCMultiplier scales the claim; compare against the scaled host rate.
  const scaled = host * (vbox.tscMultiplier ?? 1);
  return Math.abs(rateErrorPpm(claimed, scaled)) > 1;
}

/**
 * Every candidate for the true host TSC rate, strongest first, and the best estimate. `trustUser`
 * false leaves `--host-tsc-hz` out (a value the evidence contradicts, derive/user-rate.ts).
 */
export function estimateHostTsc(facts: Facts, trustUser = true): HostTscEstimate {
  const strong: HostTscCandidate[] = [];
  const hints: HostTscCandidate[] = [];
  const vbox = facts.vbox;

  if (trustUser && facts.user.hostTscHz !== null && facts.user.hostTscHz > 0) {
    strong.push({ source: 'user', hz: facts.user.hostTscHz, strength: 'strong', text: `--host-tsc-hz ${facts.user.hostTscHz} (supplied by you)` });
  }

  let calibration: HostTscCandidate | null = null;
  let perCpuMedian: HostTscCandidate | null = null;
  if (vbox !== null) {
    if (vbox.cpuidTscTicksPerSecond !== null && vbox.cpuidLeaf15 !== null) {
      const l = vbox.cpuidLeaf15;
      strong.push({
        source: 'cpuid-leaf-0x15',
        hz: vbox.cpuidTscTicksPerSecond,
        strength: 'strong',
        text: `host CPUID leaf 0x15: crystal ${mhz(l.ecx)} × ${l.ebx}/${l.eax} = ${fmtHz(vbox.cpuidTscTicksPerSecond)}`,
      });
    }

    const independent = calibrationIndependentOfClaim(vbox);
    const spread = vbox.gipPerCpuSpreadPpm;
    const spreadOk = spread === null || spread < GIP_SPREAD_UNRELIABLE_PPM;
    const why = independent
      ? 'an independent measurement here, because TSCTicksPerSecond extradata overrides the rate given to the guest'
      : 'VirtualBox\'s own calibration — the very value it gives the guest, so it cannot confirm that value';
    if (vbox.gipPerCpuHz.length >= 2 && spreadOk) {
      const hz = Math.round(median(vbox.gipPerCpuHz));
      calibration = {
        source: 'gip-consensus',
        hz,
        strength: independent ? 'strong' : 'hint',
        text: `median of ${vbox.gipPerCpuHz.length} per-CPU GIP rates = ${fmtHz(hz)} (spread ${Math.round(spread ?? 0)} ppm); ${why}`,
      };
    } else if (vbox.gipPerCpuHz.length >= 3 && !spreadOk) {
      // One CPU's bad measurement can become the global rate; the median of the others is then a
      // better (but still unconfirmed) value — and it differs from the claim, so it is informative.
      const hz = Math.round(median(vbox.gipPerCpuHz));
      perCpuMedian = {
        source: 'gip-consensus',
        hz,
        strength: 'hint',
        text: `median of ${vbox.gipPerCpuHz.length} per-CPU GIP rates = ${fmtHz(hz)}; the per-CPU rates disagree by ${Math.round(spread ?? 0)} ppm, so VirtualBox's calibration is unreliable`,
      };
    } else if (vbox.hostTscTicksPerSecond !== null && vbox.hostTscSource === 'cTSCTicksPerSecondHost' && spreadOk) {
      calibration = {
        source: 'cTSCTicksPerSecondHost',
        hz: vbox.hostTscTicksPerSecond,
        strength: independent ? 'strong' : 'hint',
        text: `cTSCTicksPerSecondHost = ${fmtHz(vbox.hostTscTicksPerSecond)}; ${why}`,
      };
    } else if (vbox.hostTscTicksPerSecond !== null && spreadOk) {
      // GIP global rate only (no per-CPU lines): same reasoning as the consensus.
      calibration = {
        source: 'gip-consensus',
        hz: vbox.hostTscTicksPerSecond,
        strength: independent ? 'strong' : 'hint',
        text: `GIP u64CpuHz = ${fmtHz(vbox.hostTscTicksPerSecond)}; ${why}`,
      };
    }
    // An override set to fix a bad calibration makes the (bad) GIP "independent" of the claim, so a
    // disagreement alone would blame the fix. Only trust it as a measurement when it also agrees with
    // the nominal rate; otherwise it is the suspect, not the evidence.
    const vboxBrandHz = brandTracksTsc(vbox.cpuBrand) ? vbox.brandNominalHz : null;
    const guestBrandHz = brandTracksTsc(facts.cpuinfo?.modelName ?? null) ? facts.cpuinfo?.brandNominalHz ?? null : null;
    const nominalHz = vbox.cpuidBaseMhz !== null && vbox.cpuidBaseMhz > 0 ? vbox.cpuidBaseMhz * 1e6 : vboxBrandHz ?? guestBrandHz;
    if (calibration !== null && calibration.strength === 'strong' && nominalHz !== null && Math.abs(rateErrorPpm(calibration.hz, nominalHz)) > CALIBRATION_AGREES_WITH_NOMINAL_PPM) {
      calibration = { ...calibration, strength: 'hint', text: `${calibration.text}, but ${Math.abs(rateErrorPpm(calibration.hz, nominalHz) / 1e4).toFixed(1)} % away from the nominal ${mhz(nominalHz)}, so not trusted` };
    }
    if (calibration !== null && calibration.strength === 'strong') strong.push(calibration);

    if (vbox.cpuidInferredTscTicksPerSecond !== null) {
      const crystal = vbox.cpuidInferredCrystalHz;
      hints.push({
        source: 'cpuid-inferred-crystal',
        hz: vbox.cpuidInferredTscTicksPerSecond,
        strength: 'hint',
        text: `host CPUID leaf 0x15 with an assumed ${crystal !== null ? mhz(crystal) : 'typical'} crystal (not enumerated by the CPU) = ${fmtHz(vbox.cpuidInferredTscTicksPerSecond)}`,
      });
    }
    if (vbox.cpuidBaseMhz !== null && vbox.cpuidBaseMhz > 0) {
      hints.push({ source: 'cpuid-leaf-0x16', hz: vbox.cpuidBaseMhz * 1e6, strength: 'hint', text: `host CPUID leaf 0x16 base frequency ${vbox.cpuidBaseMhz} MHz (nominal)` });
    }
    if (vbox.brandNominalHz !== null && vbox.brandNominalHz > 0 && brandTracksTsc(vbox.cpuBrand)) {
      hints.push({
        source: 'brand-nominal',
        hz: vbox.brandNominalHz,
        strength: 'hint',
        text: `CPU brand string nominal ${fmtGhz(vbox.brandNominalHz)}${vbox.cpuBrand !== null ? ` ("${vbox.cpuBrand}")` : ''}`,
      });
    }
  }
  // A guest /proc/cpuinfo brand is the host's brand under VirtualBox; use it when the log has none.
  if (!hints.some((h) => h.source === 'brand-nominal') && facts.cpuinfo?.brandNominalHz && brandTracksTsc(facts.cpuinfo.modelName)) {
    const c = facts.cpuinfo;
    hints.push({
      source: 'brand-nominal',
      hz: c.brandNominalHz as number,
      strength: 'hint',
      text: `CPU brand string nominal ${fmtGhz(c.brandNominalHz as number)}${c.modelName !== null ? ` ("${c.modelName}")` : ''} (from the guest's cpuinfo)`,
    });
  }

  // vmware.log: VMware's measurement and the host brand (derive/vmware.ts says when vmmon is trusted).
  const vm = vmwareHostCandidates(facts);
  strong.push(...vm.strong);
  for (const h of vm.hints) if (!(h.source === 'brand-nominal' && hints.some((x) => x.source === 'brand-nominal'))) hints.push(h);
  // A mangled log can hold any number (4e306 Hz, 0); a rate no TSC can have is no candidate at all.
  dropImplausible(strong);
  dropImplausible(hints);

  const nominal = hints.find((h) => h.source === 'cpuid-leaf-0x16') ?? hints.find((h) => h.source === 'brand-nominal') ?? null;
  const agrees = (a: HostTscCandidate | null, b: HostTscCandidate | null, ppm: number): boolean => a !== null && b !== null && Math.abs(rateErrorPpm(a.hz, b.hz)) <= ppm;
  const orderedHints: HostTscCandidate[] = [];
  const inferred = hints.find((h) => h.source === 'cpuid-inferred-crystal') ?? null;
  const dependentCalibration = calibration !== null && calibration.strength === 'hint' ? calibration : null;
  // CPUID arithmetic and a timed measurement agreeing closely cannot both be wrong the same way: that
  // beats a nominal GHz (mobile parts often run their TSC well above the brand's base frequency).
  if (inferred !== null && (agrees(inferred, dependentCalibration, INFERRED_MATCHES_CALIBRATION_PPM) || agrees(inferred, perCpuMedian, INFERRED_MATCHES_CALIBRATION_PPM))) {
    orderedHints.push(inferred);
  } else if (inferred !== null && dependentCalibration === null && perCpuMedian === null && (nominal === null || agrees(inferred, nominal, INFERRED_CRYSTAL_AGREES_PPM))) {
    orderedHints.push(inferred);
  }
  for (const c of [dependentCalibration, perCpuMedian]) {
    if (c !== null && (nominal === null || agrees(c, nominal, CALIBRATION_AGREES_WITH_NOMINAL_PPM))) orderedHints.push(c);
  }
  // Then the nominal values, and last whatever disagreed with them (kept so the output can show it).
  const rest = [...hints.filter((h) => h.source !== 'cpuid-inferred-crystal'), ...(inferred ? [inferred] : []), ...(dependentCalibration ? [dependentCalibration] : []), ...(perCpuMedian ? [perCpuMedian] : [])];
  for (const h of rest) if (!orderedHints.includes(h)) orderedHints.push(h);

  // A zero or absurd value (a mangled log) is no evidence at all.
  const candidates = [...strong, ...orderedHints].filter((c) => Number.isFinite(c.hz) && c.hz >= 1e6);
  const best = candidates[0] ?? null;
  return { hz: best?.hz ?? null, source: best?.source ?? null, strength: best?.strength ?? null, candidates };
}

/** Remove, in place, the candidates whose rate no TSC can have. */
function dropImplausible(list: HostTscCandidate[]): void {
  for (let i = list.length - 1; i >= 0; i--) if (!isPlausibleTscHz(list[i]!.hz)) list.splice(i, 1);
}
