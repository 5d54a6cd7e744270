/**
 * VirtualBox TSC rules (anchors.md §5.6 R3; formats.md §4.4–§4.8).
 *
 * The core rule: VirtualBox tells a paravirtualised guest (GIM KVM pvclock, Hyper-V TSC page) that the
 * TSC ticks at `cTSCTicksPerSecond`. Once the guest enables that clock, TM switches to RealTSCOffset and
 * the guest's TSC ticks at the host's real rate, so kvm-clock (and tsc, calibrated from kvm-clock)
 * drift at `f_true / cTSCTicksPerSecond − 1`. acpi_pm and hpet run on VirtualBox's virtual time and are
 * not hit. Where the true rate comes from, and why VirtualBox's own GIP value cannot confirm its own
 * claim, is explained in host-tsc.ts.
 */
import type { Facts, VboxFacts } from '../agent/facts.js';
import type { Analyzer, EvidenceItem, Finding, Fix, Severity } from '../agent/findings.js';
import { groupDigits } from '../agent/util/format.js';
import { GIP_SPREAD_UNRELIABLE_PPM, type HostTscEstimate } from '../agent/derive/host-tsc.js';
import { derive, type ClaimedRate, type Derived } from '../agent/derive/index.js';
import { isVirtualBoxClaim } from '../agent/derive/tsc.js';
import { median } from '../agent/util/stats.js';
import {
  dedupe, evidenceOr, fmtDuration, fmtGhz, fmtHz, fmtPercent, fmtPerDay, fmtPpm, guestSecondsPer300, KERNEL_SLEW_PPM, lineEvidence, mmss,
  paravirtFlag, plainEvidence, rateErrorPpm, refEvidence, secondsPerDay, setClocksourceFix, vmNameArg,
} from './util.js';

/** Above this |error| a strong mismatch is critical: beyond what ntpd, timesyncd or adjtime() can slew (anchors §2.3). */
export const CRITICAL_PPM = KERNEL_SLEW_PPM;
/** Below this a strong mismatch is measurement noise of VirtualBox's calibration, not a finding. */
export const WARNING_PPM = 50;
/** Nominal-frequency hints are only good to a fraction of a percent; only a larger gap is a finding. */
export const HINT_PPM = 10_000;
/** VirtualBox's TM math clamps rates at 2^32 − 1 (formats.md §4.5). */
export const CLAMPED_HZ = 4_294_967_295;

/** Clocksources whose rate comes from the claim once the guest TSC runs at the real host rate. */
const NOT_HIT = ['acpi_pm', 'hpet', 'jiffies', 'refined-jiffies', 'pit'];

/** The claim the VirtualBox rules judge (derive/tsc.ts), or null when it is not VirtualBox's. */
export function vboxClaim(facts: Facts, d: Derived): ClaimedRate | null {
  return isVirtualBoxClaim(facts, d.tsc.claimed, d.platform) ? d.tsc.claimed : null;
}

/** The lines behind a host-rate candidate of this source. */
function estimateEvidence(facts: Facts, source: HostTscEstimate['source']): EvidenceItem[] {
  const v = facts.vbox;
  switch (source) {
    case 'user': return [plainEvidence('user', `--host-tsc-hz ${facts.user.hostTscHz ?? ''}`)];
    case 'cpuid-leaf-0x15': return refEvidence('vbox', v, 'cpuidTscTicksPerSecond', 'cpuidLeaf15');
    case 'cpuid-inferred-crystal': return refEvidence('vbox', v, 'cpuidInferredTscTicksPerSecond', 'cpuidLeaf15');
    case 'cpuid-leaf-0x16': return refEvidence('vbox', v, 'cpuidBaseMhz');
    case 'brand-nominal': return v?.brandNominalHz ? refEvidence('vbox', v, 'cpuBrand') : refEvidence('cpuinfo', facts.cpuinfo, 'modelName');
    case 'gip-consensus': return refEvidence('vbox', v, 'gipCpuHz', 'hostTscTicksPerSecond');
    case 'cTSCTicksPerSecondHost': return refEvidence('vbox', v, 'cTSCTicksPerSecondHost', 'hostTscTicksPerSecond');
    default: return [];
  }
}

function exposureEvidence(facts: Facts): EvidenceItem[] {
  const v = facts.vbox;
  if (v === null) return [];
  const out = refEvidence('vbox', v, 'paravirtProvider', 'tscModeSwitchAllowed');
  const toReal = v.tscModeSwitches.find((s) => s.to === 'RealTscOffset');
  if (toReal) out.push(lineEvidence('vbox', v, toReal));
  const k = facts.kernelLog;
  if (k !== null) out.push(...refEvidence('kernel-log', k, 'tscDetectedKhz', 'finalClocksource'));
  return out;
}

/** The fixes for a wrong claim: tell VirtualBox the true rate, or stop handing it over, or use another guest clock. */
function mismatchFixes(facts: Facts, trueHz: number | null, strong: boolean): Fix[] {
  const v = facts.vbox;
  const vm = vmNameArg(v);
  const fixes: Fix[] = [];
  if (v?.extradata.tscTicksPerSecond !== null && v?.extradata.tscTicksPerSecond !== undefined && strong) {
    fixes.push({
      where: 'host',
      summary: `Remove the TSCTicksPerSecond extradata override (${fmtHz(v.extradata.tscTicksPerSecond)}) so VirtualBox uses the host's rate again; power the VM off first.${vm.note}`,
      command: `VBoxManage setextradata ${vm.arg} "VBoxInternal/TM/TSCTicksPerSecond"`,
    });
  }
  if (trueHz !== null && trueHz < CLAMPED_HZ && trueHz >= 1e6) {
    const hz = Math.round(trueHz);
    fixes.push({
      where: 'host',
      summary: strong
        ? `Tell VirtualBox the true host TSC rate (power the VM off first; applies at the next start).${vm.note}`
        : `If you cannot measure the host's rate, the nominal ${fmtGhz(hz)} is usually within a few tenths of a percent of it on Intel CPUs before the 6th generation — far closer than the current value (power the VM off first).${vm.note}`,
      command: `VBoxManage setextradata ${vm.arg} "VBoxInternal/TM/TSCTicksPerSecond" ${hz}`,
    });
  }
  fixes.push({
    where: 'host',
    summary: `Or stop handing the rate to the guest: with the Minimal (or None) paravirtualisation provider a Linux guest calibrates its TSC itself (it loses kvm-clock; VM powered off).${vm.note}`,
    command: `VBoxManage modifyvm ${vm.arg} ${paravirtFlag(v)} minimal`,
  });
  fixes.push(setClocksourceFix('acpi_pm', 'Or, on the running guest, switch to the ACPI PM timer: slower to read, but it ticks on VirtualBox\'s virtual time and keeps the right rate.'));
  fixes.push({
    where: 'guest',
    summary: 'To make the guest side permanent, boot it with `no-kvmclock` (the kernel then calibrates the TSC itself) or `clocksource=acpi_pm`: add it to GRUB_CMDLINE_LINUX in /etc/default/grub, run update-grub (or grub2-mkconfig) and reboot.',
  });
  return fixes;
}

function confirmFix(facts: Facts): Fix {
  const os = facts.vbox?.hostOs ?? facts.vbox?.hostTarget ?? '';
  if (/linux/i.test(os)) {
    return {
      where: 'host',
      summary: 'Confirm the host\'s real TSC rate from the host kernel (the Refined line is the precise one), then rerun clockdoctor analyze with --host-tsc-hz <Hz>.',
      command: "sudo dmesg | grep -E 'tsc: (Refined TSC clocksource calibration|Detected .* MHz)'",
    };
  }
  return {
    where: 'host',
    summary: 'Confirm the host\'s real TSC rate (e.g. boot a Linux live system on the host and read `tsc: Refined TSC clocksource calibration` in dmesg), then rerun clockdoctor analyze with --host-tsc-hz <Hz>.',
  };
}

/** VBOX_TSC_FREQUENCY_MISMATCH (R3). */
export function tscFrequencyMismatch(facts: Facts, d: Derived = derive(facts)): Finding[] {
  const claim = vboxClaim(facts, d);
  if (claim === null) return [];
  const est = d.tsc.host;
  if (est.hz === null || est.strength === null) return [];
  const ppm = rateErrorPpm(est.hz, claim.hz);
  const strong = est.strength === 'strong';
  const exp = d.tsc.exposure!;
  const affected = exp.hit.length > 0;
  const threshold = strong ? WARNING_PPM : HINT_PPM;
  if (Math.abs(ppm) < threshold) return [];
  // Unconfirmed and harmless today: not worth a line.
  if (!affected && !strong) return [];
  let severity: Severity;
  if (!affected) severity = 'info';
  else if (!strong) severity = 'warning';
  else severity = Math.abs(ppm) >= CRITICAL_PPM ? 'critical' : 'warning';
  // The guest is on a clock the error does not touch: the damage is latent.
  const guestCs = exp.guestClocksource;
  const guestSafe = guestCs !== null && NOT_HIT.includes(guestCs);
  if (guestSafe && severity === 'critical') severity = 'warning';

  const s300 = guestSecondsPer300(ppm);
  const hitText = exp.hit.length > 0 ? exp.hit.join(' and ') : 'no guest clocksource';
  const claimText = claim.from === 'vbox' ? `VirtualBox tells the guest the TSC ticks at ${fmtHz(claim.hz)}` : `The guest kernel took ${fmtHz(claim.hz)} as the TSC rate from kvm-clock`;
  const nominal = est.source === 'brand-nominal' || est.source === 'cpuid-leaf-0x16';
  const aboveBelow = ppm < 0 ? 'above' : 'below';
  let title: string;
  if (strong) {
    title = affected
      ? `${claimText}, but the host TSC ticks at ${fmtHz(est.hz)}: ${hitText} ${ppm < 0 ? 'lose' : 'gain'} ${groupDigits(Math.abs(ppm))} ppm (${fmtDuration(Math.abs(secondsPerDay(ppm)))} per day)`
      : `${claimText}, but the host TSC ticks at ${fmtHz(est.hz)} (${fmtPpm(ppm)}); no guest clock is hit today`;
  } else {
    const ref = nominal ? `the CPU's nominal ${fmtGhz(est.hz)}`
      : est.source === 'gip-consensus' ? `the ${fmtHz(est.hz)} most host CPUs measured`
        : `the ${fmtHz(est.hz)} its CPUID suggests`;
    title = `VirtualBox's TSC rate ${fmtHz(claim.hz)} is ${fmtPercent(rateErrorPpm(claim.hz, est.hz)).replace(/^[+−]/, '')} ${aboveBelow} ${ref}: ${hitText} probably ${ppm < 0 ? 'lose' : 'gain'} about as much time`;
  }
  const detail = [
    `${claimText}; ${exp.text}.`,
    strong
      ? `The true host rate comes from ${est.candidates[0]?.text ?? est.source}. The ratio is ${fmtPpm(ppm)}: the guest clock ${fmtPerDay(ppm)}, and 5:00 of real time reads as ${mmss(s300)} (${s300.toFixed(2)} s).`
      : `This is a hint, not a measurement: ${est.candidates[0]?.text ?? est.source}. If the host really ticks at that rate the error is ${fmtPpm(ppm)}: the guest clock ${fmtPerDay(ppm)}, and 5:00 of real time reads as ${mmss(s300)} (${s300.toFixed(2)} s). VirtualBox's own calibration (GIP) is the very number in question, so it cannot settle this; measure the host rate and rerun with --host-tsc-hz.`,
    exp.hit.length > 0 ? 'acpi_pm and hpet run on VirtualBox\'s virtual time and are not hit.' : '',
    guestSafe ? `The guest currently uses ${guestCs}, which this error does not touch; it bites if the guest switches to ${exp.hit.join(' or ')}.` : '',
    Math.abs(ppm) > KERNEL_SLEW_PPM ? `ntpd, systemd-timesyncd and the Guest Additions' adjtime() cannot slew more than ${KERNEL_SLEW_PPM} ppm (chrony reaches 100 000 ppm), so time-sync turns this into periodic steps rather than hiding it.` : '',
  ].filter((x) => x.length > 0).join(' ');

  const fixes = strong ? mismatchFixes(facts, est.hz, true) : [confirmFix(facts), ...mismatchFixes(facts, nominal ? est.hz : null, false)];
  if (!affected) fixes.splice(0, fixes.length, ...fixes.filter((f) => f.where === 'host' && f.command?.includes('TSCTicksPerSecond')));
  if (fixes.length === 0) fixes.push({ where: 'host', summary: 'Nothing drifts today; keep the rate right before enabling a paravirtualised clock for this VM.' });

  const v = facts.vbox;
  return [{
    id: 'VBOX_TSC_FREQUENCY_MISMATCH',
    severity,
    title,
    detail,
    evidence: evidenceOr(dedupe([...claim.evidence, ...estimateEvidence(facts, est.source), ...(v?.extradata.tscTicksPerSecond != null ? refEvidence('vbox', v, 'extradata.tscTicksPerSecond') : []), ...exposureEvidence(facts)]), claim.from === 'vbox' ? 'vbox' : 'kernel-log', claim.from === 'vbox' ? facts.vbox : facts.kernelLog, `TSC rate given to the guest: ${claim.hz} Hz`),
    fixes,
    data: {
      claimedHz: claim.hz,
      claimedFrom: claim.from,
      hostTscHz: est.hz,
      hostTscSource: est.source,
      hostTscStrength: est.strength,
      driftPpm: Math.round(ppm * 10) / 10,
      secondsPerDay: Math.round(secondsPerDay(ppm) * 100) / 100,
      guestSecondsPer300: Math.round(s300 * 100) / 100,
      fiveMinutesReadsAs: mmss(s300),
      affectedClocksources: exp.hit.join(','),
      realRate: exp.realRate,
      vmName: facts.vbox?.vmName ?? null,
    },
  }];
}

/** VBOX_TSC_RATE_CLAMPED: the calibrated rate hit VirtualBox's 2^32 − 1 ceiling. */
export function tscRateClamped(facts: Facts, d: Derived = derive(facts)): Finding[] {
  const v = facts.vbox;
  if (v === null || v.tscTicksPerSecond !== CLAMPED_HZ) return [];
  const claim = vboxClaim(facts, d);
  const exp = claim ? d.tsc.exposure : null;
  const affected = exp !== null && exp.hit.length > 0;
  const vm = vmNameArg(v);
  return [{
    id: 'VBOX_TSC_RATE_CLAMPED',
    severity: affected ? 'critical' : 'warning',
    title: 'VirtualBox clamped the TSC rate at 4 294 967 295 Hz: the host TSC is faster than its math allows',
    detail: 'VirtualBox limits cTSCTicksPerSecond to 2^32 − 1 ("a limitation of our math code") and forces VirtTSCEmulated. '
      + 'The guest sees `tsc: Detected 4294.96 MHz`. If a paravirtualised clock later runs the guest TSC at the real host rate, '
      + 'the guest clock gains (host/4 294 967 295 − 1), e.g. +4.8 % on a 4.5 GHz host.',
    evidence: evidenceOr(refEvidence('vbox', v, 'tscTicksPerSecond', 'hostTscTicksPerSecond', 'gipCpuHz', 'paravirtProvider'), 'vbox', v, `cTSCTicksPerSecond=${v.tscTicksPerSecond}`),
    fixes: [
      { where: 'host', summary: `Keep the guest's TSC emulated at the clamped rate by stopping the paravirtualised clock (VM powered off).${vm.note}`, command: `VBoxManage modifyvm ${vm.arg} ${paravirtFlag(v)} minimal` },
      setClocksourceFix('acpi_pm', 'Or use the ACPI PM timer in the guest.'),
    ],
    data: { claimedHz: v.tscTicksPerSecond, hostTscHz: v.hostTscTicksPerSecond },
  }];
}

/** VBOX_TSC_CALIBRATION_UNRELIABLE: per-CPU GIP rates disagree on an invariant-TSC host (formats.md §4.7.1). */
export function calibrationUnreliable(facts: Facts, d: Derived = derive(facts)): Finding[] {
  const v = facts.vbox;
  if (v === null || v.gipPerCpuSpreadPpm === null || v.gipPerCpuSpreadPpm < GIP_SPREAD_UNRELIABLE_PPM || v.gipPerCpuHz.length < 2) return [];
  const invariant = /invariant/i.test(v.gipMode ?? '');
  const min = Math.min(...v.gipPerCpuHz);
  const max = Math.max(...v.gipPerCpuHz);
  const spread = fmtPercent(v.gipPerCpuSpreadPpm, 2).replace(/^\+/, '');
  const spreadText = `${fmtHz(min)} … ${fmtHz(max)} (${spread} around the median ${fmtHz(median(v.gipPerCpuHz))})`;
  if (!invariant) {
    return [{
      id: 'VBOX_HOST_TSC_NOT_INVARIANT',
      severity: 'info',
      title: `The host TSC is not invariant (GIP mode ${v.gipMode ?? 'unknown'}): VirtualBox measures it per CPU, and the rates differ by ${spread}`,
      detail: `Per-CPU GIP rates: ${spreadText}. On such hosts the TSC changes rate with power states; VirtualBox keeps the guest TSC emulated, and paravirtualised clocks are not switched to the real TSC.`,
      evidence: evidenceOr(refEvidence('vbox', v, 'gipMode', 'gipCpuHz'), 'vbox', v, `GIP per-CPU rates ${v.gipPerCpuHz.join(', ')}`),
      fixes: [{ where: 'guest', summary: 'Prefer a clocksource that runs on VirtualBox\'s virtual time (acpi_pm or hpet) if the guest clock misbehaves.' }],
      data: { gipPerCpuSpreadPpm: Math.round(v.gipPerCpuSpreadPpm), gipMode: v.gipMode },
    }];
  }
  const vm = vmNameArg(v);
  return [{
    id: 'VBOX_TSC_CALIBRATION_UNRELIABLE',
    severity: 'warning',
    title: `VirtualBox's host TSC calibration is unreliable: per-CPU rates differ by ${spread} on an invariant-TSC host`,
    detail: `On an invariant-TSC host every CPU's TSC ticks at one rate, so the per-CPU GIP measurements should agree to a few ppm; here they span ${spreadText}. `
      + 'cTSCTicksPerSecond is taken from this calibration, so the rate given to the guest is suspect. The GIP stops refining 2 s after the first VM maps it, so a VM started right after the host booted keeps a bad value for the whole host session.',
    evidence: evidenceOr(refEvidence('vbox', v, 'gipMode', 'gipCpuHz', 'tscTicksPerSecond'), 'vbox', v, `GIP per-CPU rates ${v.gipPerCpuHz.join(', ')}`),
    fixes: [
      { where: 'host', summary: 'Restart the VirtualBox driver (or the host) and start the VM a minute later, so the calibration can settle; then check that the per-CPU rates agree.' },
      { where: 'host', summary: `Or pin the rate once you know the host's true TSC rate (e.g. the host kernel's \`tsc: Refined TSC clocksource calibration\`): VBoxManage setextradata ${vm.arg} "VBoxInternal/TM/TSCTicksPerSecond" <Hz>.` },
    ],
    data: { gipPerCpuSpreadPpm: Math.round(v.gipPerCpuSpreadPpm), minHz: min, maxHz: max },
  }];
}

/** VBOX_SAVED_STATE_TSC_CHANGED: a saved state was restored with another TSC rate. */
export function savedStateTscChanged(facts: Facts, d: Derived = derive(facts)): Finding[] {
  const v = facts.vbox;
  if (v === null) return [];
  const sane = (x: number | null): number | null => (x !== null && Number.isFinite(x) && x >= 1e6 ? x : null);
  const loaded = sane(v.stateLoadTscTicksPerSecond);
  const start = sane(v.tscTicksPerSecond);
  const differs = loaded !== null && start !== null && Math.abs(rateErrorPpm(start, loaded)) >= WARNING_PPM;
  if (!differs && !v.stateLoadTscIncompatible) return [];
  const ppm = loaded !== null && start !== null ? rateErrorPpm(start, loaded) : null;
  // With the TSC emulated, VirtualBox keeps presenting the saved rate, which matches the guest's
  // calibration; only a guest TSC running at the real host rate makes the difference drift.
  const claim = vboxClaim(facts, d);
  const real = claim !== null && d.tsc.exposure?.realRate !== 'no';
  return [{
    id: 'VBOX_SAVED_STATE_TSC_CHANGED',
    severity: real ? 'warning' : 'info',
    title: v.stateLoadTscIncompatible
      ? 'A saved state was restored on a host whose TSC frequency is incompatible with the one it was saved on'
      : `A saved state was restored with another TSC rate (${fmtHz(loaded ?? 0)} saved, ${fmtHz(start ?? 0)} now)`,
    detail: `The guest keeps the TSC rate it calibrated before the state was saved. ${ppm !== null ? `Against the rate of this host that is ${fmtPpm(ppm)} (${fmtPerDay(ppm)}) for clocks that run on the real TSC. ` : ''}`
      + 'This happens when a VM is saved on one host (or after a calibration) and resumed on another. '
      + (real ? 'Here the guest TSC runs at the host\'s real rate (paravirtualised clock), so tsc and kvm-clock drift until the guest reboots.' : 'Here the TSC is emulated at the saved rate, so the guest does not drift from it.'),
    evidence: evidenceOr(refEvidence('vbox', v, 'stateLoadTscTicksPerSecond', 'stateLoadTscIncompatible', 'tscTicksPerSecond'), 'vbox', v, `cTSCTicksPerSecond (state load)=${loaded ?? 'incompatible'}`),
    fixes: [{ where: 'guest', summary: 'Reboot the guest (a cold boot, not a restore) so it calibrates the TSC against this host.', command: 'sudo reboot' }],
    data: { stateLoadHz: loaded, startHz: start, driftPpm: ppm === null ? null : Math.round(ppm * 10) / 10 },
  }];
}

/** Modes and settings that shape the guest clock on purpose or by the host's choice. */
export function tscSettings(facts: Facts, d: Derived = derive(facts)): Finding[] {
  const v = facts.vbox;
  if (v === null) return [];
  const out: Finding[] = [];
  const vm = vmNameArg(v);
  // With the NEM lines in the log, VBOX_NEM_HYPERV (vbox-events.ts) says this and more.
  if ((v.tscMode === 'NativeApi' || v.tscModeSwitches.some((s) => s.to === 'NativeApi')) && v.nem?.active !== true) {
    out.push({
      id: 'VBOX_NATIVE_API',
      severity: 'info',
      title: 'NativeApi mode: Hyper-V on the host owns the TSC (VirtualBox runs on the Windows Hypervisor Platform)',
      detail: 'With Hyper-V active on a Windows host VirtualBox cannot program the TSC itself; TSC mode settings and TSCTicksPerSecond are overridden. '
        + 'Guests often see more timer jitter and lost catch-up in this mode.',
      evidence: evidenceOr(refEvidence('vbox', v, 'tscMode'), 'vbox', v, 'TSC mode NativeApi'),
      fixes: [{ where: 'host', summary: 'If guest time misbehaves, turn Hyper-V off on the host so VirtualBox uses its own hypervisor (elevated prompt, then reboot).', command: 'bcdedit /set hypervisorlaunchtype off' }],
      data: { tscMode: 'NativeApi' },
    });
  }
  if (v.tscTiedToExecution === true) {
    out.push({
      id: 'VBOX_TSC_TIED_TO_EXECUTION',
      severity: 'warning',
      title: 'TSCTiedToExecution is on: the guest TSC stops whenever the VM is not running, so TSC-based clocks fall behind by design',
      evidence: evidenceOr(refEvidence('vbox', v, 'tscTiedToExecution'), 'vbox', v, 'TSCTiedToExecution=true'),
      fixes: [{ where: 'host', summary: `Remove the setting unless you need it for profiling (VM powered off).${vm.note}`, command: `VBoxManage setextradata ${vm.arg} "VBoxInternal/TM/TSCTiedToExecution"` }],
      data: {},
    });
  }
  const warp = v.extradata.warpDrivePercentage;
  if (warp !== null && warp !== 100) {
    out.push({
      id: 'VBOX_WARP_DRIVE',
      severity: 'warning',
      title: `Warp drive is set to ${warp} %: the guest's virtual time runs ${warp > 100 ? 'fast' : 'slow'} on purpose`,
      detail: 'WarpDrivePercentage scales the whole virtual clock; VirtualBox\'s manual says to disable time synchronisation when it is changed.',
      evidence: evidenceOr(refEvidence('vbox', v, 'extradata.warpDrivePercentage'), 'vbox', v, `WarpDrivePercentage=${warp}`),
      fixes: [{ where: 'host', summary: `Remove the setting (VM powered off).${vm.note}`, command: `VBoxManage setextradata ${vm.arg} "VBoxInternal/TM/WarpDrivePercentage"` }],
      data: { warpDrivePercentage: warp },
    });
  }
  return out;
}

/** Strong host-rate sources further apart than this disagree (one of them is wrong, or a typo). */
const STRONG_SOURCES_AGREE_PPM = 100;

/** HOST_TSC_SOURCES_DISAGREE: two strong sources of the true host rate (e.g. --host-tsc-hz and CPUID 0x15) differ. */
export function hostRateSourcesDisagree(facts: Facts, d: Derived = derive(facts)): Finding[] {
  const strong = d.tsc.host.candidates.filter((c) => c.strength === 'strong');
  const first = strong[0];
  if (first === undefined) return [];
  const other = strong.slice(1).find((c) => Math.abs(rateErrorPpm(c.hz, first.hz)) > STRONG_SOURCES_AGREE_PPM);
  if (other === undefined) return [];
  const ppm = rateErrorPpm(other.hz, first.hz);
  return [{
    id: 'HOST_TSC_SOURCES_DISAGREE',
    severity: 'info',
    title: `Two strong sources of the host TSC rate disagree by ${fmtPpm(ppm)}: ${fmtHz(first.hz)} (${first.source}) and ${fmtHz(other.hz)} (${other.source})`,
    detail: `clockdoctor used the first (${first.text}); the other says ${other.text}. If --host-tsc-hz is one of them, check it for a typo or a measurement from another host.`,
    evidence: evidenceOr([...estimateEvidence(facts, first.source), ...estimateEvidence(facts, other.source)], 'vbox', facts.vbox, `host TSC rate ${first.hz} Hz vs ${other.hz} Hz`),
    fixes: [{ where: 'host', summary: 'Re-measure the host TSC rate (on a Linux host: the `tsc: Refined TSC clocksource calibration` line of dmesg) and rerun with that value.' }],
    data: { usedHz: first.hz, usedSource: first.source, otherHz: other.hz, otherSource: other.source, differencePpm: Math.round(ppm * 10) / 10 },
  }];
}

/** Guest `tsc: Detected` from kvm-clock this far from the host log's claim means the files do not match. */
const GUEST_HOST_AGREE_PPM = 1000;

/** VBOX_GUEST_RATE_DIFFERS: the guest kernel log and the VBox.log describe different TSC claims (different VMs or sessions). */
export function guestRateDiffers(facts: Facts, d: Derived = derive(facts)): Finding[] {
  const v = facts.vbox;
  const k = facts.kernelLog;
  if (v === null || k === null || v.tscTicksPerSecond === null || !Number.isFinite(v.tscTicksPerSecond) || v.tscTicksPerSecond < 1e6 || v.paravirtProvider !== 'KVM') return [];
  if (k.tscDetectedKhz === null || !(k.tscCalibration === 'kvm-clock' || k.tscCalibration === 'hypervisor')) return [];
  const guestHz = k.tscDetectedKhz * 1000;
  const ppm = rateErrorPpm(guestHz, v.tscTicksPerSecond);
  if (Math.abs(ppm) < GUEST_HOST_AGREE_PPM) return [];
  return [{
    id: 'VBOX_GUEST_RATE_DIFFERS',
    severity: 'info',
    title: `The guest kernel took ${(guestHz / 1e6).toFixed(3)} MHz from kvm-clock, but this VBox.log gives ${(v.tscTicksPerSecond / 1e6).toFixed(3)} MHz: the files are probably from different VMs or sessions`,
    detail: 'A Linux guest on VirtualBox\'s KVM provider reads its TSC rate from the pvclock VirtualBox fills from cTSCTicksPerSecond, so the two should agree to the kHz. '
      + 'Findings that combine them (which clocksource the guest uses) may not describe the same run; give the guest log of the session this VBox.log covers.',
    evidence: evidenceOr([...refEvidence('vbox', v, 'tscTicksPerSecond'), ...refEvidence('kernel-log', k, 'tscDetectedKhz')], 'vbox', v, `cTSCTicksPerSecond=${v.tscTicksPerSecond}; guest tsc ${guestHz} Hz`),
    fixes: [{ where: 'guest', summary: 'Collect the guest kernel log (`dmesg`) from the same boot as the VBox.log (the VBox.log of the running session is the newest one).' }],
    data: { guestHz, claimedHz: v.tscTicksPerSecond },
  }];
}

export const vboxTscAnalyzer: Analyzer = {
  id: 'vbox-tsc',
  needs: [],
  needsAny: ['vbox', 'kernelLog'],
  run: (facts, d) => [...tscFrequencyMismatch(facts, d), ...tscRateClamped(facts, d), ...calibrationUnreliable(facts, d), ...savedStateTscChanged(facts, d), ...tscSettings(facts, d), ...guestRateDiffers(facts, d), ...hostRateSourcesDisagree(facts, d)],
};
