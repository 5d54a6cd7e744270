/**
 * VMware host-log rules (vmware.log, agent/evidence/vmware).
 *
 * VMWARE_TSC_ESTIMATES_DISAGREE: VMware measures the host TSC itself (`vmmon`) and lists what the host
 * OS reports; when they disagree it picks one (`Using N kHz`) and announces that rate to the guest
 * (Linux: `TSC freq read from hypervisor`). If the TSC really ticks at another rate, every guest clock
 * converted with the announced one drifts by their ratio — the same shape of fault as VirtualBox's
 * cTSCTicksPerSecond. Which of the two is right the log cannot settle; derive/vmware.ts weighs them
 * with the CPU's nominal rate, and the model (simulator) predicts from the same derived values.
 *
 * VMWARE_HOST_TSC_UNSYNCHRONISED: VMware found the host's TSCs not synchronised across CPUs.
 * VMWARE_VM_STUNNED: the VM stood still for seconds (snapshot, consolidation): its clock fell behind.
 */
import type { Facts } from '../agent/facts.js';
import type { VmwareFacts } from '../agent/evidence/vmware/facts.js';
import type { Analyzer, Finding, Fix, Severity } from '../agent/findings.js';
import type { Derived } from '../agent/derive/index.js';
import { vmwareNominalHz } from '../agent/derive/vmware.js';
import { shellQuote } from '../agent/util/shell-quote.js';
import { dedupe, evidenceOr, fmtDuration, fmtHz, fmtPercent, fmtPerDay, fmtPpm, KERNEL_SLEW_PPM, lineEvidence, rateErrorPpm, refEvidence } from './util.js';

/** Beyond this the rate used and the one measured are two different rates, not two readings of one (issue 12 §2). */
export const ESTIMATES_DISAGREE_PPM = 1000;

/** A stun this long is a visible clock jump in the guest. */
const STUN_SECONDS = 1;

const khz = (hz: number): string => `${Math.round(hz / 1000)}`;

/**
 * A PowerShell single-quoted word, or null when the text holds anything but the characters of an
 * ordinary Windows path (PowerShell also treats typographic quotes as quotes; refusing is simpler
 * than escaping them, and then the fix names the file instead).
 */
export function psQuote(text: string): string | null {
  if (!/^[A-Za-z0-9 _.:\\()'-]+$/.test(text)) return null;
  return `'${text.replace(/'/g, "''")}'`;
}

function isWindowsPath(p: string): boolean {
  return /^[A-Za-z]:\\/.test(p);
}

/** The host-wide config file VMware read, or the product's usual one. */
function configPath(v: VmwareFacts): string {
  if (v.hostConfigPath !== null) return v.hostConfigPath;
  const product = v.product ?? 'VMware Workstation';
  if (/fusion/i.test(product)) return '/Library/Preferences/VMware Fusion/config';
  if (v.hostOs !== null && /linux/i.test(v.hostOs)) return '/etc/vmware/config';
  return `C:\\ProgramData\\VMware\\${/player/i.test(product) ? 'VMware Player' : 'VMware Workstation'}\\config.ini`;
}

/** KB 1591's three lines, with the rate to tell VMware. */
function kbLines(rateHz: number): string[] {
  return [`host.cpukHz = "${khz(rateHz)}"`, 'host.noTSC = "TRUE"', 'ptsc.noTSC = "TRUE"'];
}

/** The fix on the host: tell VMware the CPU's real maximum rate and keep guest time off the TSC (VMware KB 1591). */
function rateFix(v: VmwareFacts, rateHz: number): Fix {
  const path = configPath(v);
  const lines = kbLines(rateHz);
  const summary = `Tell VMware the host CPU's real maximum speed (${khz(rateHz)} kHz here) and keep guest time off the host TSC, as VMware documents for hosts whose power management changes the CPU speed (KB 1591, "Host Power Management Causes Problems with Guest Timekeeping"): add ${lines.join(', ')} to the host-wide config ${path} (not the .vmx), then restart the VMware services or the host and power the VM on again. Disabling the host's CPU power management (SpeedStep, Cool'n'Quiet) while VMs run avoids it too.`;
  if (isWindowsPath(path)) {
    const p = psQuote(path);
    // Our own lines (digits, letters, `=` and `"`): literal in single quotes.
    const values = lines.map((l) => `'${l}'`).join(',');
    return p === null ? { where: 'host', summary } : { where: 'host', summary: `${summary} In an elevated PowerShell:`, command: `Add-Content -Path ${p} -Value ${values}` };
  }
  return { where: 'host', summary, command: `printf '%s\\n' ${lines.map(shellQuote).join(' ')} | sudo tee -a ${shellQuote(path)}` };
}

/** Which rate the evidence favours, in words, and the one to tell VMware. */
function verdictOf(v: VmwareFacts, d: Derived, used: number, measured: number): { favoured: 'used' | 'measured' | 'unknown'; rateHz: number; text: string } {
  const nominal = vmwareNominalHz(v);
  const est = d.tsc.host;
  if (est.strength === 'strong' && est.hz !== null) {
    const favoured = Math.abs(rateErrorPpm(est.hz, measured)) < Math.abs(rateErrorPpm(est.hz, used)) ? 'measured' : 'used';
    return { favoured, rateHz: est.hz, text: `The strongest independent evidence (${est.candidates[0]?.text ?? est.source}) sides with the ${favoured === 'used' ? 'rate used' : 'measurement'}.` };
  }
  // The KB asks for the CPU's maximum speed: power management only ever lowers a measurement.
  if (nominal === null) return { favoured: 'unknown', rateHz: Math.max(used, measured), text: 'Nothing in the log says which is right; measure the host\'s TSC rate (on a Linux host: `dmesg | grep "Refined TSC"`) and rerun with --host-tsc-hz.' };
  const nearUsed = Math.abs(rateErrorPpm(used, nominal)) <= Math.abs(rateErrorPpm(measured, nominal));
  return {
    favoured: nearUsed ? 'used' : 'measured',
    rateHz: nominal,
    text: nearUsed
      ? `The CPU's nominal ${fmtHz(nominal)} ("${v.hostCpu ?? ''}") is closer to the rate used: VMware's measurement was probably taken while power management had the CPU slowed, and would be wrong by as much.`
      : `The CPU's nominal ${fmtHz(nominal)} ("${v.hostCpu ?? ''}") is closer to the measurement: the rate VMware uses is the suspect.`,
  };
}

/** What the disagreement does to the guest, by where PTSC (the guest's time base) comes from. */
function exposureText(v: VmwareFacts, ppmIfMeasured: number): string {
  const ifMeasured = `If the TSC really ticks at the measured rate, a guest that converts it with the announced rate (Linux: \`TSC freq read from hypervisor\`; the tsc clocksource) runs ${fmtPpm(ppmIfMeasured)}: it ${fmtPerDay(ppmIfMeasured)}${Math.abs(ppmIfMeasured) > KERNEL_SLEW_PPM ? `, more than ntpd, systemd-timesyncd or adjtime() can slew (${KERNEL_SLEW_PPM} ppm)` : ''}.`;
  const tracker = "VMware's timeTracker keeps the emulated timers (PIT, local APIC, ACPI PM, HPET) on host time by delivering the interrupts it owes faster, so tick-counting guests and acpi_pm/hpet keep time; the tsc clocksource is not corrected that way.";
  if (v.ptscSource === 'reference-clock') {
    return `VMware does not trust the hardware TSC here: PTSC, the time base of the guest's virtual TSC, runs on the host's reference clock${v.ptscRefClockHz !== null ? ` (${fmtHz(v.ptscRefClockHz)})` : ''}, scaled to the announced rate, so the guest's TSC follows the host clock and the guest keeps time as long as VMware emulates every TSC read. ${ifMeasured.replace('If the TSC', 'Should VMware ever pass the hardware TSC through (a later power-on, another product version), and if it')}`;
  }
  return `${v.ptscSource === 'tsc' ? 'PTSC, the time base of the guest\'s virtual TSC, is the hardware TSC (`PTSC: using TSC`).' : 'The log does not say where PTSC comes from.'} ${ifMeasured} ${tracker}`;
}

/** VMWARE_TSC_ESTIMATES_DISAGREE. */
export function estimatesDisagree(facts: Facts, d: Derived): Finding[] {
  const v = facts.vmware;
  if (v === null || v.tscUsedHz === null || v.tscMeasuredHz === null) return [];
  const used = v.tscUsedHz;
  const measured = v.tscMeasuredHz;
  const ppm = rateErrorPpm(measured, used);
  // Rounded to the ppb: 1 998 000 000 against 2 000 000 000 is 1000 ppm, not a hair above it.
  if (Math.round(Math.abs(ppm) * 1000) / 1000 <= ESTIMATES_DISAGREE_PPM) return [];
  const picked = v.tscEstimates.find((e) => e.hz === used && e.source !== 'vmmon')?.source ?? null;
  const verdict = verdictOf(v, d, used, measured);
  const severity: Severity = 'warning';
  const detail = [
    `VMware measured the host TSC at ${fmtHz(measured)} (vmmon) but uses ${fmtHz(used)}${picked !== null ? `, the figure ${picked === 'osReported' ? 'the host OS reports' : `from ${picked}`}` : ''}, and announces that rate to the guest: they differ by ${fmtPercent(ppm)} (${fmtPpm(ppm)}).`,
    verdict.text,
    exposureText(v, ppm),
  ].join(' ');
  const evidence = evidenceOr(dedupe([...refEvidence('vmware', v, 'tscUsedHz', 'tscEstimates', 'ptscSource', 'ptscHz', 'hostCpu')]), 'vmware', v, `TSC estimates: measured ${measured} Hz, used ${used} Hz`);
  return [{
    id: 'VMWARE_TSC_ESTIMATES_DISAGREE',
    severity,
    title: `VMware uses ${fmtHz(used)} for the host TSC but measured ${fmtHz(measured)} (${fmtPercent(ppm)}): the guest is told a rate the host may not have`,
    detail,
    evidence,
    fixes: [rateFix(v, verdict.rateHz)],
    data: {
      usedHz: used, measuredHz: measured, differencePpm: Math.round(ppm * 10) / 10, usedSource: picked, favoured: verdict.favoured,
      ptscSource: v.ptscSource, suggestedCpukHz: Number(khz(verdict.rateHz)),
    },
  }];
}

/** VMWARE_HOST_TSC_UNSYNCHRONISED: VMware says the host's TSCs differ between CPUs. */
export function hostTscUnsynchronised(facts: Facts): Finding[] {
  const v = facts.vmware;
  if (v === null || v.tscSynchronized !== false) return [];
  return [{
    id: 'VMWARE_HOST_TSC_UNSYNCHRONISED',
    severity: 'warning',
    title: 'VMware found the host\'s TSCs not synchronised across CPUs',
    detail: `The host's per-CPU TSCs disagree${v.tscMinDeltaCycles !== null ? ` (smallest difference VMware saw: ${v.tscMinDeltaCycles} cycles)` : ''}, so VMware cannot hand the guest the hardware TSC as one consistent clock${v.ptscSource === 'reference-clock' ? ' and keeps guest time on the host\'s reference clock instead' : ''}. This is a host firmware matter: the BIOS/UEFI leaves the TSCs unsynchronised at boot.`,
    evidence: refEvidence('vmware', v, 'tscSynchronized', 'tscMinDeltaCycles', 'ptscSource'),
    fixes: [{ where: 'host', summary: 'Update the host\'s BIOS/UEFI firmware, and keep guest time off the TSC meanwhile (host.noTSC = "TRUE" and ptsc.noTSC = "TRUE" in the host-wide VMware config, KB 1591).' }],
    data: { tscMinDeltaCycles: v.tscMinDeltaCycles },
  }];
}

/** VMWARE_VM_STUNNED: the VM stood still for seconds; its clock fell behind until caught up or stepped. */
export function vmStunned(facts: Facts): Finding[] {
  const v = facts.vmware;
  if (v === null) return [];
  const stuns = v.events.filter((e) => e.kind === 'stun' && e.durationUs !== null && e.durationUs / 1e6 >= STUN_SECONDS);
  if (stuns.length === 0) return [];
  const longest = Math.max(...stuns.map((e) => (e.durationUs ?? 0) / 1e6));
  return [{
    id: 'VMWARE_VM_STUNNED',
    severity: 'info',
    title: `The VM was stopped ${stuns.length} time(s) for up to ${fmtDuration(longest)} (snapshot or consolidation): its clock fell behind that much each time`,
    detail: 'While a VM is stunned no guest code runs. Afterwards VMware\'s timeTracker delivers the timer interrupts it owes faster to catch up (VMware documents a backlog limit beyond which it gives up), and VMware Tools may step the clock on resume; a guest NTP daemon sees the jump. Frequent long stuns come from snapshot consolidation on slow storage.',
    evidence: stuns.slice(0, 5).map((e) => lineEvidence('vmware', v, e)),
    fixes: [{ where: 'host', summary: 'Keep snapshots few and short-lived (consolidate them at quiet times); let one time-sync service in the guest (chrony or ntpd) absorb the jumps.' }],
    data: { stuns: stuns.length, longestSeconds: Math.round(longest * 1000) / 1000 },
  }];
}

export const vmwareAnalyzer: Analyzer = {
  id: 'vmware',
  needs: ['vmware'],
  run: (facts, d) => [...estimatesDisagree(facts, d), ...hostTscUnsynchronised(facts), ...vmStunned(facts)],
};
