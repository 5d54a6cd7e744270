/**
 * TSCs that disagree between CPUs (arch/x86/kernel/tsc_sync.c): the warp check at boot and hotplug,
 * TSC_ADJUST fix-ups, and what an unstable host TSC does to KVM's guests. Who causes a warp depends
 * on what the machine is — firmware on hardware, the hypervisor in a VM — and so does the fix.
 * Never advised here: telling the kernel to trust a TSC that differs between CPUs.
 */
import type { Facts } from '../agent/facts.js';
import type { Analyzer, EvidenceItem, Finding, Fix } from '../agent/findings.js';
import type { Derived } from '../agent/derive/index.js';
import type { TscSyncEvent } from '../agent/evidence/kernel-log/facts.js';
import { dedupe, evidenceOr, lineEvidence, refEvidence } from './util.js';
import { assessTsc, cyclesText, lines, tscKhzOf, type RoleWord, type TscAssessment } from './tsc-evidence.js';

const HOST_NAMES: Record<string, string> = { kvm: 'KVM', virtualbox: 'VirtualBox', vmware: 'VMware', xen: 'Xen' };

const PV_IN_USE = new Set(['kvm-clock', 'hyperv_clocksource_tsc_page', 'hyperv_clocksource_msr', 'xen']);

/** Why a TSC warps, as an expert names it for each kind of machine. */
function warpCause(role: RoleWord, when: TscSyncEvent['when'], haxm: boolean, hosts: string[], seconds: number | null): string {
  const large = seconds === null || seconds >= 0.01;
  const hardware = when === 'resume'
    ? 'On hardware a CPU whose TSC comes back from suspend out of step is the firmware resetting or not restoring it: a firmware bug.'
    : large
      ? 'On hardware this is the firmware starting (or resetting) the other cores\' TSCs apart from CPU 0\'s: a warp of that size is the time between the cores\' resets, not drift. It is a firmware bug, known on some laptop and server boards (AMD Zen/Zen+ laptops among them) and fixed only by a newer BIOS/UEFI (AGESA on AMD).'
      : 'On hardware a small warp means the cores\' TSCs were started or written slightly apart: firmware writing the TSC (TSC_ADJUST), or sockets leaving reset at different times. It is the firmware\'s to fix (a BIOS/UEFI release from the vendor).';
  const host = hosts.length > 0 ? ` Every VM on this machine inherits it: ${hosts.map((h) => HOST_NAMES[h] ?? h).join(' and ')} cannot give guests a TSC that agrees between their vCPUs.` : '';
  const vm = haxm
    ? 'In this VM the vCPUs\' TSCs are what the hypervisor makes them: Intel HAXM gives each vCPU its own TSC offset when it is created, so they differ by a fixed amount, and officially supports only HPET for a guest\'s time.'
    : when === 'hotplug'
      ? 'In a VM a hot-added vCPU\'s TSC is what the hypervisor sets it to: it did not give the new vCPU the offset the others have.'
      : 'In a VM the vCPUs\' TSCs are what the hypervisor makes them: it gave each vCPU its own TSC offset (Intel HAXM does; older hypervisors did when vCPUs started at different times). The guest cannot repair that; the hypervisor can.';
  if (role === 'guest') return vm;
  if (role === 'host' || role === 'bare-metal') return hardware + host;
  return `Nothing says whether this is a physical machine or a VM, and the cause differs. ${hardware} ${vm}`;
}

function warpFixes(a: TscAssessment, haxm: boolean, hosts: string[]): Fix[] {
  const hw: Fix[] = [
    { where: 'host', summary: 'Update the machine\'s firmware (BIOS/UEFI, with the newest AGESA on AMD) to the vendor\'s latest release, and report the warp to the vendor if it remains: only the firmware can start the cores\' TSCs together.' },
    { where: 'host', summary: 'Until then leave the TSC off as the kernel decided (it falls back to hpet or acpi_pm): clock reads are slower, but every CPU reads one time. Check after each firmware update with `dmesg | grep -i "tsc warp"`.' },
  ];
  if (hosts.length > 0) hw.push({ where: 'host', summary: 'Guests of this host cannot get a synchronised TSC until then: Linux guests should stay on kvm-clock (or their hypervisor\'s paravirtual clock); guests that need a stable TSC (macOS) will misbehave.' });
  const vm: Fix[] = [
    haxm
      ? { where: 'host', summary: 'Run the emulator on a hypervisor that keeps vCPU TSCs in step or offers a paravirtual clock: its Hyper-V (WHPX) backend on Windows, or KVM on Linux. Under HAXM, HPET is the supported clocksource.' }
      : { where: 'host', summary: 'Fix it in the hypervisor: a version that keeps every vCPU\'s TSC offset the same (KVM matches TSC writes across vCPUs), or one that gives the guest a paravirtual clock (kvm-clock on KVM, the TSC page on Hyper-V).' },
    { where: 'guest', summary: `In the guest keep the fallback clocksource the kernel chose${a.pvClock !== null ? `, or use ${a.pvClock}, which the guest has` : ''}; its TSC cannot be made to agree from inside.` },
  ];
  if (a.role === 'guest') return vm;
  if (a.role === 'host' || a.role === 'bare-metal') return hw;
  return [...hw.map((f) => ({ ...f, summary: `If this is a physical machine: ${f.summary}` })), ...vm.map((f) => ({ ...f, summary: `If this is a VM: ${f.summary}` }))];
}

const WHEN_TITLE: Record<TscSyncEvent['when'], string> = {
  boot: 'at boot',
  hotplug: 'on a CPU brought online after boot (hotplug)',
  resume: 'on a CPU coming back from suspend',
};

/** TSC_SYNC_FAILED: the kernel measured the TSCs apart between CPUs and turned the TSC off. */
export function tscSyncFailed(facts: Facts, d: Derived, a: TscAssessment | null = assessTsc(facts, d)): Finding[] {
  if (a === null || a.owner !== 'sync') return [];
  const k = a.k;
  const warp = a.warps.find((w) => w.kind === 'warp') ?? a.warps[0];
  const when = warp?.when ?? 'boot';
  const random = a.warps.some((w) => w.kind === 'random-warp');
  const cpus = warp?.cpuFrom != null && warp.cpu != null ? `CPU#${warp.cpu}'s TSC was ${cyclesText(warp.warpCycles, tscKhzOf(k))} away from CPU#${warp.cpuFrom}'s` : warp?.warpCycles != null ? `two CPUs' TSCs were ${cyclesText(warp.warpCycles, tscKhzOf(k))} apart` : 'the CPUs\' TSCs disagreed';
  const hosts = d.platform.hosts;
  const haxm = k.haxm || d.platform.hypervisor === 'haxm';
  const onPv = a.role === 'guest' && a.current !== null && PV_IN_USE.has(a.current);
  const demoted = a.demotions.find((e) => /check_tsc_sync|inter CPU skew/.test(e.reason));
  const headers = a.warps.map((w) => w.header).filter((h): h is NonNullable<typeof h> => h !== null);
  const evidence = dedupe([...lines(k, headers, 1), ...lines(k, a.warps, 3), ...(demoted !== undefined ? [lineEvidence('kernel-log', k, demoted)] : [])]);
  const khz = tscKhzOf(k);
  const seconds = warp?.warpCycles != null && khz !== null ? warp.warpCycles / (khz * 1000) : warp?.warpCycles != null && warp.warpCycles < 1e6 ? 0 : null;
  return [{
    id: 'TSC_SYNC_FAILED',
    severity: onPv ? 'info' : 'warning',
    title: `The TSCs are not synchronised between CPUs ${WHEN_TITLE[when]}: ${cpus} (TSC warp)${random ? ', and the warp bounced between CPUs' : ''}, so the kernel turned the TSC off as a clocksource`,
    detail: `${warpCause(a.role, when, haxm, hosts, seconds)} `
      + 'The TSCs really differ between CPUs: telling the kernel to trust them anyway would make time jump whenever a task moves to another CPU, so leave the TSC off until the cause is fixed. '
      + (onPv ? `This guest keeps time with ${a.current}, so its clock is unaffected; only the TSC is unusable as a clocksource.` : 'Meanwhile the machine keeps time with a slower fallback clocksource (hpet or acpi_pm): every clock read becomes a system call, which time-heavy programs notice.'),
    evidence: evidenceOr(evidence, 'kernel-log', k, 'TSC warp between CPUs'),
    fixes: warpFixes(a, haxm, hosts),
    data: { when, cpuFrom: warp?.cpuFrom ?? null, cpu: warp?.cpu ?? null, warpCycles: warp?.warpCycles ?? null, role: a.role, randomWarp: random },
  }];
}

const ADJUST_TEXT: Partial<Record<TscSyncEvent['kind'], string>> = {
  'adjust-forced': 'the boot CPU\'s TSC_ADJUST was not 0 (the firmware wrote the TSC) and the kernel forced it back to 0',
  'adjust-differs': 'CPUs of one package booted with different TSC_ADJUST values',
  'adjust-synchronize': 'the kernel had to set a CPU\'s TSC_ADJUST to its package\'s value',
  'adjust-compensate': 'the kernel moved a CPU\'s TSC to cancel a measured warp',
  'adjust-restored': 'something wrote a CPU\'s TSC while Linux ran (TSC_ADJUST changed) and the kernel restored it',
  'adjust-not-forced': 'the boot CPU\'s TSC_ADJUST was not 0 and, on this multi-socket platform, was left as it is',
};

/** TSC_ADJUST_FIXUP: the kernel found the TSC written behind its back and repaired it through IA32_TSC_ADJUST. */
export function tscAdjustFixup(facts: Facts, d: Derived, a: TscAssessment | null = assessTsc(facts, d)): Finding[] {
  if (a === null || a.adjust.length === 0) return [];
  const k = a.k;
  const kinds = [...new Set(a.adjust.map((e) => e.kind))];
  const runtime = kinds.includes('adjust-restored');
  const vm = a.role === 'guest';
  const what = kinds.map((x) => ADJUST_TEXT[x]).filter((x): x is string => x !== undefined);
  const cause = vm
    ? 'In a VM the TSC_ADJUST the guest sees is the hypervisor\'s: it presented a TSC written after the vCPU started (a restore, a migration, a hypervisor that sets TSCs per vCPU).'
    : a.role === 'unknown'
      ? 'On hardware this is the firmware (BIOS or SMM code) writing the TSC, a firmware bug; in a VM it is the hypervisor presenting a TSC written after the vCPU started.'
      : 'On hardware only the firmware (BIOS or System Management Mode code) writes the TSC behind the kernel: a firmware bug the kernel works around.';
  return [{
    id: 'TSC_ADJUST_FIXUP',
    severity: runtime || a.warps.length > 0 ? 'warning' : 'info',
    title: `The kernel repaired the TSC through TSC_ADJUST: ${what.join('; ')}`,
    detail: `${cause} `
      + (runtime ? 'A write while Linux runs means the TSC jumped on that CPU until the kernel noticed (it checks about once a second): timestamps taken in between are off. ' : 'The kernel repaired it before using the TSC, so time is right now; the firmware should not do it in the first place. ')
      + 'Nothing needs changing in the kernel.',
    evidence: lines(k, a.adjust, 4),
    fixes: vm
      ? [{ where: 'host', summary: 'Update the hypervisor; if the VM was just restored or migrated, this is the hypervisor aligning its TSC and needs nothing more.' }]
      : [{ where: 'host', summary: `${a.role === 'unknown' ? 'If this is a physical machine: ' : ''}update the firmware (BIOS/UEFI) to the vendor's latest release and report it to the vendor if it remains (the kernel tags it [Firmware Bug]).` }],
    data: { kinds: kinds.join(','), runtime, role: a.role },
  }];
}

/** KVM_HOST_UNSTABLE_TSC: KVM created an SMP guest on a host whose TSC is unstable. */
export function kvmHostUnstableTsc(facts: Facts, d: Derived, a: TscAssessment | null = assessTsc(facts, d)): Finding[] {
  const k = facts.kernelLog;
  if (k === null) return [];
  const line = k.hostLines.find((h) => h.hypervisor === 'kvm' && h.kind === 'unstable-tsc');
  if (line === undefined) return [];
  const cause: EvidenceItem[] = a !== null ? [...lines(k, a.warps, 2), ...lines(k, a.demotions, 1)] : [];
  const warped = a !== null && a.owner === 'sync';
  return [{
    id: 'KVM_HOST_UNSTABLE_TSC',
    severity: 'warning',
    title: 'KVM created a multi-vCPU VM on this host while the host\'s TSC is marked unstable: the guests\' TSC will not be reliable',
    detail: 'KVM hands guests the host\'s TSC plus an offset. With the host TSC unstable it cannot keep the vCPUs\' TSCs in step nor use its master clock, so a guest\'s kvm-clock loses its stable flag (slower reads, no vDSO fast path) and a guest that keeps time on the TSC sees it jump between vCPUs; guests that need a stable TSC (macOS) hang or panic. '
      + (warped ? 'The host\'s own TSCs are out of sync between CPUs (the warp above): that is the cause to fix, on the host.' : 'Find why the host marked its TSC unstable (the lines above); the fix is on the host, not in the guests.'),
    evidence: dedupe([lineEvidence('kernel-log', k, line), ...cause, ...refEvidence('kernel-log', k, 'tscUnstable')]),
    fixes: [
      { where: 'host', summary: warped ? 'Update the host\'s firmware (BIOS/UEFI, AGESA on AMD) so the cores start with synchronised TSCs; it is the only real fix.' : 'Fix the host\'s TSC first: check `dmesg | grep -i tsc` on the host for the reason it was marked unstable (firmware, power states, a watchdog reference).' },
      { where: 'guest', summary: 'Keep Linux guests on kvm-clock (their default); do not force guests onto the TSC while the host\'s is unstable.' },
    ],
    data: { hostTscWarp: warped },
  }];
}

export const tscSyncAnalyzer: Analyzer = {
  id: 'tsc-sync',
  needs: ['kernelLog'],
  run: (facts, d) => {
    const a = assessTsc(facts, d);
    return [...tscSyncFailed(facts, d, a), ...tscAdjustFixup(facts, d, a), ...kvmHostUnstableTsc(facts, d, a)];
  },
};
