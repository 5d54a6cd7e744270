/**
 * Guest clocksource rules: a fallback clocksource while a better one exists (R1), TSC marked unstable
 * with the watchdog's verdict (R1/R11), periodic ticks on a VM (model.md §2), and the cloud default on
 * Xen (R2).
 */
import type { Facts } from '../agent/facts.js';
import type { Analyzer, EvidenceItem, Finding } from '../agent/findings.js';
import { evidenceOr, fmtDuration, lineEvidence, refEvidence, setClocksourceFix } from './util.js';
import { derive, type Derived } from '../agent/derive/index.js';

const FALLBACK = ['hpet', 'acpi_pm', 'jiffies', 'refined-jiffies', 'pit'];
const GOOD = ['tsc', 'kvm-clock', 'xen', 'hyperv_clocksource_tsc_page', 'arch_sys_counter'];

/** The clocksource in use and where that is shown (derive/clocksource.ts), or null. */
function currentClocksource(d: Derived): { name: string; evidence: EvidenceItem[] } | null {
  return d.clocksource.current === null ? null : { name: d.clocksource.current, evidence: d.clocksource.currentEvidence };
}

/** Clocksources the machine has, with the lines that show them. */
function availableClocksources(d: Derived): Map<string, EvidenceItem[]> {
  return new Map(d.clocksource.available.map((a) => [a, d.clocksource.availableEvidence[a] ?? []]));
}

const isVm = (d: Derived): boolean => d.platform.vm === true;

function unstableEvidence(facts: Facts): EvidenceItem[] {
  const k = facts.kernelLog;
  if (k === null) return [];
  return [...k.tscUnstableEvents.slice(0, 2).map((e) => lineEvidence('kernel-log', k, e)), ...k.watchdogVerdicts.slice(0, 2).map((w) => lineEvidence('kernel-log', k, w))];
}

/** Hyper-V guests mark the TSC unstable on purpose and use the TSC page; that is not a fault. */
const BY_DESIGN_UNSTABLE = /hyper-?v|running on/i;

/** CLOCKSOURCE_FALLBACK (R1). */
export function clocksourceFallback(facts: Facts, d: Derived = derive(facts)): Finding[] {
  const cur = currentClocksource(d);
  if (cur === null || !FALLBACK.includes(cur.name)) return [];
  const avail = availableClocksources(d);
  const better = GOOD.filter((g) => avail.has(g));
  if (better.length === 0) return [];
  const k = facts.kernelLog;
  const unstable = k?.tscUnstable === true && !k.tscUnstableEvents.every((e) => BY_DESIGN_UNSTABLE.test(e.reason));
  const pv = better.find((b) => b !== 'tsc');
  const target = unstable && pv !== undefined ? pv : better[0] as string;
  return [{
    id: 'CLOCKSOURCE_FALLBACK',
    severity: 'warning',
    title: `The guest runs on the fallback clocksource ${cur.name} although ${better.join(' and ')} ${better.length === 1 ? 'is' : 'are'} available`,
    detail: `${cur.name} cannot be read in the vDSO, so every clock_gettime() becomes a system call (and on a VM often a VM exit) — 10–100× slower. `
      + (unstable ? 'The kernel fell back because its watchdog marked the TSC unstable; that is usually a hypervisor symptom (host suspend, overload, a migrating vCPU), so find the cause first. ' : 'The kernel falls back when it distrusts the better clocksources, or someone chose this one. ')
      + 'If the host is known to be good, switch back and, for the TSC, tell the kernel to trust it (`tsc=reliable`, or `tsc=nowatchdog`; kernels with tsc-early ignored this before 5.x).',
    evidence: evidenceOr([...cur.evidence, ...(avail.get(target) ?? []), ...unstableEvidence(facts)], facts.clocksource !== null ? 'clocksource' : 'kernel-log', facts.clocksource ?? facts.kernelLog, `current clocksource: ${cur.name}`),
    fixes: [
      setClocksourceFix(target, `Switch to ${target} now (until the next boot).`),
      { where: 'guest', summary: `Make it permanent: add \`clocksource=${target}${target === 'tsc' ? ' tsc=reliable' : ''}\` to GRUB_CMDLINE_LINUX in /etc/default/grub, run update-grub (or grub2-mkconfig) and reboot.` },
    ],
    data: { current: cur.name, available: [...avail.keys()].join(','), suggested: target },
  }];
}

/** TSC_UNSTABLE (R1/R11): the kernel marked the TSC unstable; with the watchdog's skew when printed. */
export function tscUnstable(facts: Facts, d: Derived = derive(facts)): Finding[] {
  const k = facts.kernelLog;
  if (k === null || !k.tscUnstable) return [];
  const reasons = [...new Set(k.tscUnstableEvents.map((e) => e.reason))];
  const byDesign = reasons.length > 0 && reasons.every((r) => BY_DESIGN_UNSTABLE.test(r));
  const skews = k.watchdogVerdicts.map((w) => w.skewNs).filter((s): s is number => s !== null);
  const maxSkew = skews.length > 0 ? skews.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a)) : null;
  const watchdog = k.watchdogVerdicts[0];
  const hostSleep = (facts.vbox?.hostPowerEvents ?? []).some((e) => e.kind === 'suspend');
  const vm = isVm(d);
  const evidence = unstableEvidence(facts);
  if (evidence.length === 0) evidence.push(...evidenceOr(refEvidence('kernel-log', k, 'tscUnstable'), 'kernel-log', k, 'TSC marked unstable'));
  return [{
    id: 'TSC_UNSTABLE',
    severity: byDesign ? 'info' : 'warning',
    title: byDesign
      ? `The kernel marked the TSC unstable by design (${reasons.join('; ')}) and uses the hypervisor's clock instead`
      : `The kernel marked the TSC unstable${reasons.length > 0 ? ` (${reasons.join('; ')})` : ''}${maxSkew !== null ? `: the watchdog saw ${fmtDuration(Math.abs(maxSkew) / 1e9)} of skew against ${watchdog?.watchdog ?? 'its reference'}` : ''}`,
    detail: byDesign
      ? 'This is expected on Hyper-V guests: the TSC page clocksource is the right one there.'
      : 'The clocksource watchdog compares the TSC against a slower clock (hpet or acpi_pm) every 0.5 s; when they disagree beyond its threshold it demotes the TSC for the rest of the boot. '
        + (vm ? 'On a VM this usually means the vCPU was descheduled or the host slept, not that the TSC is bad. ' : 'On bare metal it can be a firmware (SMI) or power-state problem. ')
        + (hostSleep ? 'The host log shows a host sleep, a common trigger (R11). ' : '')
        + 'Once time is re-synchronised and the host is known to be stable, `tsc=reliable` turns the watchdog off for the TSC.',
    evidence,
    fixes: byDesign
      ? [{ where: 'guest', summary: 'Nothing to do; keep hyperv_clocksource_tsc_page.' }]
      : [
        { where: 'guest', summary: 'Find the cause first: host sleep, an overloaded host, or CPU frequency changes on a host without invariant TSC.' },
        { where: 'guest', summary: 'If the host is good, add `tsc=reliable` to GRUB_CMDLINE_LINUX in /etc/default/grub, run update-grub (or grub2-mkconfig) and reboot.' },
      ],
    data: { reasons: reasons.join('; '), maxSkewNs: maxSkew, watchdog: watchdog?.watchdog ?? null },
  }];
}

/** PERIODIC_TICK_ON_VM: a periodic scheduler tick costs host CPU and, with tick-counted time, loses time (model.md §2). */
export function periodicTickOnVm(facts: Facts, d: Derived = derive(facts)): Finding[] {
  const t = facts.timerList;
  if (t === null || t.tickMode !== 'periodic' || !isVm(d)) return [];
  const cur = currentClocksource(d)?.name ?? null;
  const tickCounted = cur === 'jiffies' || cur === 'refined-jiffies';
  const hz = t.hz;
  return [{
    id: 'PERIODIC_TICK_ON_VM',
    severity: 'warning',
    title: `The guest kernel runs a periodic tick${hz !== null ? ` at ${hz} Hz` : ''} on a VM${tickCounted ? ' and counts time in ticks' : ''}`,
    detail: 'A periodic tick delivers HZ timer interrupts per second per vCPU even when idle; each is a VM exit, so an idle VM costs real host CPU and the hypervisor must catch up ticks it could not deliver. '
      + (tickCounted ? 'With a tick-counted clocksource every lost tick is lost time. ' : 'Time itself is read from a counter, so lost ticks only delay timers. ')
      + 'Modern kernels are tickless (NO_HZ) unless booted with nohz=off.',
    evidence: evidenceOr(refEvidence('timer-list', t, 'tickMode', 'nohz', 'hz'), 'timer-list', t, 'Tick Device mode: 0 (periodic)'),
    fixes: [
      { where: 'guest', summary: 'Remove nohz=off from the kernel command line if it is there, or use a tickless kernel (CONFIG_NO_HZ_IDLE); on RHEL 5-era kernels `divider=10` cuts the rate to HZ/10.' },
    ],
    data: { hz, clocksource: cur },
  }];
}

/** CLOCKSOURCE_XEN_PREFER_TSC (R2): AWS recommends tsc over the xen clocksource on Xen instances with a stable TSC. */
export function xenPreferTsc(facts: Facts, d: Derived = derive(facts)): Finding[] {
  const cur = currentClocksource(d);
  if (cur === null || cur.name !== 'xen') return [];
  const flags = facts.cpuinfo?.tscFlags ?? null;
  if (flags !== null && !(flags.includes('constant_tsc') && flags.includes('nonstop_tsc'))) return [];
  if (!availableClocksources(d).has('tsc')) return [];
  return [{
    id: 'CLOCKSOURCE_XEN_PREFER_TSC',
    severity: 'info',
    title: 'The guest uses the xen clocksource; on Xen instances with a stable TSC, tsc is faster and recommended (AWS)',
    detail: 'The xen pvclock is read through a shared page with extra work per read; AWS recommends `tsc` on Xen-based instances whose TSC is constant and nonstop.',
    evidence: evidenceOr([...cur.evidence, ...refEvidence('cpuinfo', facts.cpuinfo, 'tscFlags')], 'kernel-log', facts.kernelLog, 'current clocksource: xen'),
    fixes: [
      setClocksourceFix('tsc', 'Switch to tsc now.'),
      { where: 'guest', summary: 'Make it permanent with `clocksource=tsc tsc=reliable` on the kernel command line.' },
    ],
    data: { current: 'xen' },
  }];
}

/** LEGACY_PERIODIC_KERNEL (R9): a pre-tickless 2.6 kernel (< 2.6.21, e.g. RHEL 5's 2.6.18) on a VM. */
export function legacyPeriodicKernel(facts: Facts, d: Derived = derive(facts)): Finding[] {
  const k = facts.kernelLog;
  if (k === null || k.kernelVersion === null || !isVm(d)) return [];
  const m = /^2\.6\.(\d+)/.exec(k.kernelVersion);
  if (m === null || Number(m[1]) >= 21) return [];
  const divider = facts.cmdline?.divider ?? (/(?:^|\s)divider=(\d+)/.exec(k.commandLine ?? '')?.[1] ?? null);
  if (divider !== null) return [];
  return [{
    id: 'LEGACY_PERIODIC_KERNEL',
    severity: 'info',
    title: `Linux ${k.kernelVersion} predates tickless kernels: every vCPU takes HZ (often 1000) timer interrupts per second even when idle`,
    detail: 'Kernels before 2.6.21 (RHEL/CentOS 5 ship 2.6.18) tick periodically; on a VM each tick is a VM exit, an idle guest costs real host CPU and the hypervisor must catch up ticks it could not deliver. '
      + 'RHEL 5.x guests can cut the rate with `divider=10` (safe from RHEL 5.8; VMware KB 1006427, RHEL virtualization guide).',
    evidence: evidenceOr(refEvidence('kernel-log', k, 'kernelVersion'), 'kernel-log', k, `Linux version ${k.kernelVersion}`),
    fixes: [{ where: 'guest', summary: 'Add `divider=10` to the kernel line in /boot/grub/grub.conf and reboot (RHEL/CentOS 5.8 and later), or move to a tickless kernel.' }],
    data: { kernelVersion: k.kernelVersion },
  }];
}

export const clocksourceAnalyzer: Analyzer = {
  id: 'clocksource',
  needs: [],
  needsAny: ['kernelLog', 'clocksource'],
  run: (facts, d) => [...clocksourceFallback(facts, d), ...tscUnstable(facts, d), ...xenPreferTsc(facts, d), ...legacyPeriodicKernel(facts, d)],
};

export const ticksAnalyzer: Analyzer = {
  id: 'ticks',
  needs: ['timerList'],
  run: (facts, d) => periodicTickOnVm(facts, d),
};
