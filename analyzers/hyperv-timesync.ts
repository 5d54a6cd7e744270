/**
 * Hyper-V time synchronisation in the guest: the Time Synchronization integration service (hv_utils'
 * TimeSync channel) and the PTP clock it provides (`/dev/ptp0`, clock_name `hyperv`, linked as
 * `/dev/ptp_hyperv`), which chrony reads host time from — and the same for other hypervisors' PHCs.
 *
 * hv_utils registers the `hyperv` PTP clock when the TimeSync channel comes up (drivers/hv/hv_util.c,
 * Linux 4.13+, and LIS 4.2+ for older RHEL/CentOS kernels) and logs `hv_utils: TimeSync IC version …`.
 * With the service switched off on the host the channel is never offered: no line, no PHC.
 */
import type { Facts } from '../agent/facts.js';
import type { Analyzer, EvidenceItem, Finding, Fix } from '../agent/findings.js';
import type { Derived } from '../agent/derive/index.js';
import { hintsOf } from '../agent/derive/index.js';
import type { Hint } from '../agent/evidence/hints.js';
import type { PtpDevice, PtpFacts } from '../agent/evidence/ptp/facts.js';
import { shellQuote } from '../agent/util/shell-quote.js';
import { dedupe, lineEvidence, plainEvidence, refEvidence } from './util.js';
import { isPhcName, selectedSource } from '../agent/evidence/chrony/state.js';

/** hv_utils' PTP clock appeared in Linux 4.13; LIS 4.2 brought it to older RHEL/CentOS kernels. */
const PTP_HYPERV_KERNEL: readonly [number, number] = [4, 13];

/** Azure's recommended chrony line for the Hyper-V PHC. */
export const CHRONY_HYPERV_REFCLOCK = 'refclock PHC /dev/ptp_hyperv poll 3 dpoll -2 offset 0';

/** A PowerShell single-quoted string: only `'` is special, written twice. */
export function psQuote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

type TimeSyncHint = Extract<Hint, { about: 'time-sync' }>;

/** What says the TimeSync integration service is on or off: hv_utils' line, or the host's Get-VMIntegrationService. */
function icState(facts: Facts): { on: boolean | null; evidence: EvidenceItem[]; vmName: string | null } {
  const table = facts.virt?.integrationServices.find((s) => s.name === 'Time Synchronization');
  if (table !== undefined && facts.virt !== null) return { on: table.enabled, evidence: [lineEvidence('virt', facts.virt, table)], vmName: table.vmName };
  const hv = hintsOf(facts).filter((h): h is TimeSyncHint => h.about === 'time-sync' && (h.daemon === 'hv_utils' || h.daemon === 'hyperv-timesync-ic'));
  const seen = hv.find((h) => h.state !== 'disabled');
  if (seen !== undefined) return { on: true, evidence: seen.evidence, vmName: null };
  return { on: null, evidence: [], vmName: null };
}

function kernelVersion(facts: Facts): [number, number] | null {
  const text = facts.uname?.kernelRelease ?? facts.kernelLog?.kernelVersion ?? null;
  const m = text === null ? null : /^(\d+)\.(\d+)/.exec(text);
  return m === null ? null : [Number(m[1]), Number(m[2])];
}

/** True when the guest's kernel can provide the Hyper-V PHC (4.13+, or LIS installed); null when unknown. */
function kernelHasPhc(facts: Facts): boolean | null {
  if (facts.packages?.packages.some((p) => p.installed && /microsoft-hyper-v/.test(p.name)) === true) return true;
  const v = kernelVersion(facts);
  if (v === null) return null;
  return v[0] > PTP_HYPERV_KERNEL[0] || (v[0] === PTP_HYPERV_KERNEL[0] && v[1] >= PTP_HYPERV_KERNEL[1]);
}

const hypervPhc = (p: PtpFacts | null): PtpDevice | null => p?.devices.find((d) => d.provider === 'hyperv') ?? null;

function enableFixes(vmName: string | null): Fix[] {
  const name = vmName !== null ? psQuote(vmName) : "'VM_NAME'";
  return [
    {
      where: 'host',
      summary: `Enable the VM's Time Synchronization integration service on the Hyper-V host (PowerShell as administrator${vmName === null ? "; VM_NAME is the VM's name in Hyper-V Manager, which may differ from the guest's host name" : ''}), or in Hyper-V Manager: the VM's Settings → Integration Services → Time synchronization. If it is already on, switch it off and on again.`,
      command: `Enable-VMIntegrationService -VMName ${name} -Name 'Time Synchronization'`,
    },
    {
      where: 'guest',
      summary: `Then check that the guest sees it — \`dmesg | grep -i timesync\` shows \`hv_utils: TimeSync IC version 4.0\` and /dev/ptp0 appears (clock_name hyperv) — and let chrony read host time from it: add \`${CHRONY_HYPERV_REFCLOCK}\` to chrony.conf (/etc/chrony.conf or /etc/chrony/chrony.conf) and restart chronyd.`,
    },
  ];
}

/** HYPERV_TIMESYNC_IC_OFF: a Hyper-V guest with no Hyper-V PTP clock and no sign of the TimeSync channel. */
export function timeSyncOff(facts: Facts, d: Derived): Finding[] {
  if (d.platform.hypervisor !== 'hyperv') return [];
  const ic = icState(facts);
  const ptp = facts.ptp;
  if (hypervPhc(ptp) !== null || ic.on === true) return [];
  const noPhc = ptp !== null && (ptp.none || ptp.devices.length > 0);
  if (ic.on !== false && !noPhc) return [];
  const capable = kernelHasPhc(facts);
  const certain = ic.on === false || capable === true;
  const evidence = dedupe([
    ...ic.evidence,
    ...(ptp !== null ? refEvidence('ptp', ptp, 'none') : []),
    ...(ptp !== null && !ptp.none ? ptp.devices.slice(0, 3).map((x) => lineEvidence('ptp', ptp, x.clockNameLine ?? x)) : []),
    ...d.platform.evidence.slice(0, 2),
  ]);
  const what = ic.on === false
    ? 'The host lists the VM\'s Time Synchronization integration service as disabled.'
    : `The guest has no Hyper-V PTP clock${ptp?.none === true ? ' (the PTP clock listing is empty)' : ' (the PTP clocks listed are not hyperv)'}.`;
  return [{
    id: 'HYPERV_TIMESYNC_IC_OFF',
    severity: certain ? 'warning' : 'info',
    title: `Hyper-V's Time Synchronization integration service is ${certain ? 'off' : 'most likely off'} for this VM: the guest gets no host time (no hv_utils TimeSync, no /dev/ptp0)`,
    detail: `${what} hv_utils creates that clock (clock_name hyperv, /dev/ptp_hyperv) and logs \`hv_utils: TimeSync IC version …\` when the TimeSync channel comes up; `
      + 'with the service switched off on the host the channel is never offered, so the guest gets neither host time at boot and after a pause or restore, nor a PHC for chrony, and its clock is left to drift. '
      + (capable === false ? 'This kernel predates hv_utils\' PTP clock (Linux 4.13), so an old kernel without LIS explains a missing PHC as well; the service may still be off. '
        : capable === null ? 'A kernel older than 4.13 without the LIS packages would lack the PHC as well. ' : ''),
    evidence: evidence.length > 0 ? evidence : [plainEvidence('ptp', 'no Hyper-V PTP clock', ptp?.path ?? null)],
    fixes: enableFixes(ic.vmName),
    data: { integrationServiceEnabled: ic.on, kernelProvidesPhc: capable },
  }];
}

/** HYPERV_PHC_MISSING: the TimeSync service is on but there is no PTP clock (a kernel without hv_utils' PHC). */
export function phcMissing(facts: Facts, d: Derived): Finding[] {
  if (d.platform.hypervisor !== 'hyperv') return [];
  const ic = icState(facts);
  const ptp = facts.ptp;
  if (ic.on !== true || ptp === null || hypervPhc(ptp) !== null || !(ptp.none || ptp.devices.length > 0)) return [];
  return [{
    id: 'HYPERV_PHC_MISSING',
    severity: 'info',
    title: 'Hyper-V\'s TimeSync service is on, but the guest has no Hyper-V PTP clock for chrony',
    detail: 'hv_utils talks to the TimeSync service (it sets the clock at boot and after a restore), yet no `hyperv` PTP clock exists: the kernel\'s hv_utils predates its PTP clock (Linux 4.13; LIS 4.2 for RHEL/CentOS 7). Without it chrony cannot use the host as a reference clock.',
    evidence: dedupe([...ic.evidence, ...refEvidence('ptp', ptp, 'none')]),
    fixes: [
      { where: 'guest', summary: 'Use a kernel with the Hyper-V PTP clock (4.13 or later, or install LIS on RHEL/CentOS 7), then add the PHC to chrony.', command: `echo ${shellQuote(CHRONY_HYPERV_REFCLOCK)} | sudo tee -a /etc/chrony.conf` },
      { where: 'guest', summary: 'Until then synchronise over NTP (chrony with a reachable server; Azure offers time.windows.com).' },
    ],
  }];
}

const PHC_NAMES: Record<string, [string, string]> = {
  hyperv: ['Hyper-V', CHRONY_HYPERV_REFCLOCK],
  kvm: ['KVM (ptp_kvm)', 'refclock PHC /dev/ptp_kvm poll 2 dpoll -2 offset 0'],
  vmware: ['VMware (ptp_vmw)', 'refclock PHC /dev/ptp0 poll 3 dpoll -2 offset 0'],
};

function chronyUsesPhc(facts: Facts): boolean {
  const sel = facts.chrony === null ? null : selectedSource(facts.chrony);
  return sel !== null && sel.mode === 'refclock' && isPhcName(sel.name);
}

/** PTP_HYPERVISOR_PHC_PRESENT: the hypervisor's PTP clock is there — the best reference a guest has. */
export function phcPresent(facts: Facts): Finding[] {
  const ptp = facts.ptp;
  const dev = ptp?.devices.find((x) => x.provider === 'hyperv' || x.provider === 'kvm' || x.provider === 'vmware');
  if (ptp === null || dev === undefined) return [];
  // chrony already locked to a PHC: TIMESYNC_PHC_HEALTHY says so with the measured offsets.
  if (chronyUsesPhc(facts)) return [];
  const [who, line] = PHC_NAMES[dev.provider!]!;
  const link = dev.provider === 'hyperv' && ptp.hypervLink === null ? ' (/dev/ptp0 when the /dev/ptp_hyperv link is missing)' : '';
  return [{
    id: 'PTP_HYPERVISOR_PHC_PRESENT',
    severity: 'info',
    title: `The ${who} PTP clock is present (${dev.name}, clock_name ${dev.clockName ?? '?'}): host time is available to chrony in the guest`,
    detail: `${dev.name} is the hypervisor's clock exposed as a PTP hardware clock (PHC): chrony reads the host's time from it directly, without a network, which is the time sync ${dev.provider === 'hyperv' ? 'Azure and Hyper-V recommend' : 'a VM can have at its best'}. `
      + (dev.provider === 'hyperv' ? 'It also shows the Time Synchronization integration service is on.' : ''),
    evidence: [lineEvidence('ptp', ptp, dev.clockNameLine ?? dev)],
    fixes: [{ where: 'guest', summary: `If chrony does not use it yet (\`chronyc sources\` shows no PHC0 line), add \`${line}\` to chrony.conf${link} and restart chronyd.` }],
    data: { device: dev.name, clockName: dev.clockName },
  }];
}

export const hypervTimeSyncAnalyzer: Analyzer = {
  id: 'hyperv-timesync',
  needs: [],
  needsAny: ['ptp', 'virt'],
  run(facts: Facts, d: Derived): Finding[] {
    return [...timeSyncOff(facts, d), ...phcMissing(facts, d), ...phcPresent(facts)];
  },
};
