/**
 * Clocksource rules: a fallback clocksource while a better one exists (R1), the TSC marked unstable
 * by a watchdog whose verdict nothing more specific explains (R1/R11) — or by design on Hyper-V —,
 * clocksources whose reads are system calls, periodic ticks on a VM (model.md §2), the cloud default
 * on Xen (R2) and pre-tickless kernels (R9).
 *
 * Which rule owns a TSC demotion is decided once, in tsc-evidence.ts: this file's TSC_UNSTABLE only
 * speaks when no specific cause (a warp, a faulty watchdog reference, a TSC not in use, a guest that
 * should be on its paravirtual clock) does. Nothing here tells the kernel to trust the TSC.
 */
import type { Facts } from '../agent/facts.js';
import type { Analyzer, EvidenceItem, Finding, Fix } from '../agent/findings.js';
import { derive, type Derived } from '../agent/derive/index.js';
import { dedupe, evidenceOr, fmtDuration, refEvidence, setClocksourceFix } from './util.js';
import { assessTsc, bootParamFix, lines, type TscAssessment } from './tsc-evidence.js';

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

/** The TSC was demoted for a cause other than Hyper-V's design. */
const tscDemoted = (a: TscAssessment | null): boolean => a !== null && (a.demotions.length > 0 || a.warps.length > 0);

/** What the fallback finding would recommend, or null when it stays silent. */
function fallbackTarget(d: Derived, a: TscAssessment | null): { cur: { name: string; evidence: EvidenceItem[] }; better: string[]; target: string } | null {
  const cur = currentClocksource(d);
  if (cur === null || !FALLBACK.includes(cur.name)) return null;
  const avail = availableClocksources(d);
  // A demoted TSC is no way back: only a paravirtual clock is (the TSC finding names the cause).
  const better = GOOD.filter((g) => avail.has(g) && !(g === 'tsc' && tscDemoted(a)));
  if (better.length === 0) return null;
  // GOOD is in the kernel's own order of preference; with a demoted TSC left out, a paravirtual clock leads.
  return { cur, better, target: better[0] as string };
}

/** CLOCKSOURCE_FALLBACK (R1). */
export function clocksourceFallback(facts: Facts, d: Derived = derive(facts), a: TscAssessment | null = assessTsc(facts, d)): Finding[] {
  const t = fallbackTarget(d, a);
  if (t === null) return [];
  const { cur, better, target } = t;
  const avail = availableClocksources(d);
  const demoted = tscDemoted(a);
  return [{
    id: 'CLOCKSOURCE_FALLBACK',
    severity: 'warning',
    title: `The machine runs on the fallback clocksource ${cur.name} although ${better.join(' and ')} ${better.length === 1 ? 'is' : 'are'} available`,
    detail: `${cur.name} cannot be read in the vDSO, so every clock_gettime() becomes a system call (and on a VM often a VM exit) — 10–100× slower. `
      + (demoted ? `The kernel fell back because it distrusted the TSC (see the TSC finding for why); ${target} does not depend on that verdict. ` : 'Nothing in the evidence shows the better clocksources distrusted: the kernel may have been told to use this one. '),
    evidence: evidenceOr(dedupe([...cur.evidence, ...(avail.get(target) ?? []).slice(0, 1), ...(a !== null ? lines(a.k, a.demotions, 1) : [])]), facts.clocksource !== null ? 'clocksource' : 'kernel-log', facts.clocksource ?? facts.kernelLog, `current clocksource: ${cur.name}`),
    fixes: [
      setClocksourceFix(target, `Switch to ${target} now (until the next boot).`),
      bootParamFix(`clocksource=${target}`, isVm(d) ? 'guest' : 'host', 'Make it permanent (and remove any other clocksource= from the command line).'),
    ],
    data: { current: cur.name, available: [...avail.keys()].join(','), suggested: target },
  }];
}

/** Causes of a watchdog demotion the evidence does not pin down, worded for what the machine is. */
function skewCauses(a: TscAssessment, hostSleep: boolean): string {
  const vm = 'In a VM the usual causes are the hypervisor\'s: the vCPU descheduled under host load, the host suspending, live migration to a host with another TSC rate, or a host without an invariant TSC; the fix is on the host side.';
  const hw = 'On hardware: a CPU without an invariant TSC (no `constant_tsc nonstop_tsc` in /proc/cpuinfo) changes or stops it in power states, or firmware (SMIs) stalls the CPUs; a firmware (BIOS/UEFI) update or the vendor fixes the latter.';
  const which = a.role === 'guest' ? vm : a.role === 'host' || a.role === 'bare-metal' ? hw : `${hw} ${vm}`;
  return `${which}${hostSleep ? ' The host log shows a host sleep, a common trigger (R11).' : ''}${a.afterResume !== null ? ' The demotion came right after a resume of this machine.' : ''}${a.tscBackwards ? ' The TSC even read lower than at the previous check: it jumped.' : ''}`;
}

/** TSC_UNSTABLE (R1/R11): the kernel marked the TSC unstable and no more specific rule explains why; info when by design. */
export function tscUnstable(facts: Facts, d: Derived = derive(facts), a: TscAssessment | null = assessTsc(facts, d)): Finding[] {
  if (a === null || (a.owner !== 'skew' && a.owner !== 'by-design')) return [];
  const k = a.k;
  const byDesign = a.owner === 'by-design';
  const events = byDesign ? a.byDesign : a.demotions;
  const reasons = [...new Set(events.map((e) => e.reason))];
  const skews = a.verdicts.map((w) => w.skewNs).filter((s): s is number => s !== null);
  const maxSkew = skews.length > 0 ? skews.reduce((x, y) => (Math.abs(y) > Math.abs(x) ? y : x)) : null;
  const watchdog = a.verdicts[0]?.watchdog ?? null;
  const hostSleep = (facts.vbox?.hostPowerEvents ?? []).some((e) => e.kind === 'suspend');
  const evidence = dedupe([...lines(k, events, 2), ...lines(k, a.verdicts, 2)]);
  const where: Fix['where'] = isVm(d) ? 'guest' : 'host';
  return [{
    id: 'TSC_UNSTABLE',
    severity: byDesign ? 'info' : 'warning',
    title: byDesign
      ? `The kernel marked the TSC unstable by design (${reasons.join('; ')}) and uses the hypervisor's clock instead`
      : `The kernel marked the TSC unstable${reasons.length > 0 ? ` (${reasons.join('; ')})` : ''}${maxSkew !== null ? `: the watchdog saw ${fmtDuration(Math.abs(maxSkew) / 1e9)} of skew against ${watchdog ?? 'its reference'}` : ''}`,
    detail: byDesign
      ? 'This is expected on Hyper-V guests without an invariant TSC: the Hyper-V TSC page clocksource is the right one there.'
      : `The clocksource watchdog compares the TSC with a reference clock (hpet or acpi_pm) every 0.5 s; when they disagree beyond its threshold it demotes the TSC for the rest of the boot. ${skewCauses(a, hostSleep)}`,
    evidence: evidenceOr(evidence, 'kernel-log', k, 'TSC marked unstable'),
    fixes: byDesign
      ? [{ where: 'guest', summary: 'Nothing to do; keep hyperv_clocksource_tsc_page.' }]
      : [
        { where: 'host', summary: a.role === 'guest' ? 'Look on the host for what disturbs the vCPU: load, suspend, migration, a host without invariant TSC.' : 'Check /proc/cpuinfo for constant_tsc and nonstop_tsc, and update the firmware (BIOS/UEFI) if they are there and the TSC is still demoted.' },
        { where, summary: 'Keep the clocksource the kernel fell back to until the cause is found; the TSC it rejected is not proven good.' },
      ],
    data: { reasons: reasons.join('; '), maxSkewNs: maxSkew, watchdog, role: a.role },
  }];
}

/** What reading each syscall-only clocksource costs. */
const READ_COST: Record<string, string> = {
  hpet: 'a memory-mapped read of the HPET (on a VM an emulated device, a VM exit of several µs)',
  acpi_pm: 'a port read of the ACPI PM timer (on a VM an I/O exit of several µs), and its 24-bit counter wraps every 4.7 s',
  jiffies: 'nothing precise at all: time advances one tick at a time',
  'refined-jiffies': 'nothing precise at all: time advances one tick at a time',
  pit: 'port reads of the 8254 PIT',
  xen: 'a system call that reads the Xen pvclock page (no vDSO path on this kernel)',
};

/** CLOCKSOURCE_NO_VDSO: the clocksource in use cannot be read in the vDSO; each clock read is a system call. */
export function clocksourceNoVdso(facts: Facts, d: Derived = derive(facts), a: TscAssessment | null = assessTsc(facts, d)): Finding[] {
  const cur = currentClocksource(d);
  if (cur === null || fallbackTarget(d, a) !== null || xenPreferTsc(facts, d, a).length > 0) return [];
  if (a !== null && a.owner !== null && a.owner !== 'not-in-use' && a.owner !== 'by-design') return [];
  const x = facts.kernelLog?.xen ?? null;
  const xenNoVdso = cur.name === 'xen' && (x?.vdsoUnsupported === true || /^(?:2\.|3\.|4\.(?:[0-9]|10)\.)/.test(facts.kernelLog?.kernelVersion ?? 'x'));
  if (!FALLBACK.includes(cur.name) && !xenNoVdso) return [];
  return [{
    id: 'CLOCKSOURCE_NO_VDSO',
    severity: 'info',
    title: `Clock reads are system calls here: ${cur.name} has no vDSO fast path`,
    detail: `Every clock_gettime() and gettimeofday() enters the kernel and costs ${READ_COST[cur.name] ?? 'a system call'}. Time stays right; programs that read the clock often (databases, tracing, JVMs) slow down. `
      + (cur.name === 'xen' ? 'Kernels from 4.11 read the xen clock in the vDSO when Xen marks its TSC stable; this one does not.' : 'Nothing better is available, as far as the evidence shows.'),
    evidence: evidenceOr([...cur.evidence, ...refEvidence('kernel-log', facts.kernelLog, 'xenVdsoUnsupported')], 'kernel-log', facts.kernelLog, `current clocksource: ${cur.name}`),
    fixes: [{ where: isVm(d) ? 'guest' : 'host', summary: 'Nothing to fix for correctness; if clock-read cost matters, give the machine a clocksource with a vDSO path (a stable TSC, or the hypervisor\'s paravirtual clock on a newer kernel).' }],
    data: { current: cur.name },
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
export function xenPreferTsc(facts: Facts, d: Derived = derive(facts), a: TscAssessment | null = assessTsc(facts, d)): Finding[] {
  const cur = currentClocksource(d);
  if (cur === null || cur.name !== 'xen') return [];
  // Only an invariant TSC the kernel never doubted: the flags must say so, and no demotion or warp may be in the log.
  const flags = facts.cpuinfo?.tscFlags ?? null;
  const invariant = flags !== null && flags.includes('constant_tsc') && flags.includes('nonstop_tsc');
  if ((flags !== null && !invariant) || tscDemoted(a) || !availableClocksources(d).has('tsc')) return [];
  const check = invariant ? '' : 'First check that `grep -o -w -e constant_tsc -e nonstop_tsc /proc/cpuinfo | sort -u` prints both flags; only then: ';
  return [{
    id: 'CLOCKSOURCE_XEN_PREFER_TSC',
    severity: 'info',
    title: 'The guest uses the xen clocksource; on Xen instances with an invariant TSC, tsc is faster and recommended (AWS)',
    detail: 'The xen pvclock is read through a shared page with extra work per read (and without a vDSO path on older kernels); AWS recommends `tsc` on Xen-based instances whose TSC is constant and nonstop. '
      + (invariant ? 'This one\'s flags say so, and the log never doubted its TSC.' : 'The evidence does not show the CPU flags, so check them first; the log never doubted the TSC.'),
    evidence: evidenceOr([...cur.evidence, ...refEvidence('cpuinfo', facts.cpuinfo, 'tscFlags')], 'kernel-log', facts.kernelLog, 'current clocksource: xen'),
    fixes: [
      setClocksourceFix('tsc', `${check}switch to tsc now.`.replace(/^s/, 'S')),
      bootParamFix('clocksource=tsc', 'guest', 'Make it permanent; the kernel\'s watchdog keeps checking the TSC, so one that misbehaves later is still caught.'),
    ],
    data: { current: 'xen', flagsKnown: flags !== null },
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
  run: (facts, d) => {
    const a = assessTsc(facts, d);
    return [...clocksourceFallback(facts, d, a), ...tscUnstable(facts, d, a), ...clocksourceNoVdso(facts, d, a), ...xenPreferTsc(facts, d, a), ...legacyPeriodicKernel(facts, d)];
  },
};

export const ticksAnalyzer: Analyzer = {
  id: 'ticks',
  needs: ['timerList'],
  run: (facts, d) => periodicTickOnVm(facts, d),
};

