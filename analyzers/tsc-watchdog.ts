/**
 * The clocksource watchdog's demotions of the TSC that are not what they look like: the watchdog's
 * own reference at fault, a TSC the machine was not using, and a guest that kept time on the raw TSC
 * although its paravirtual clock was there. Which rule owns a demotion is decided once, in
 * tsc-evidence.ts. `tsc=reliable` appears here only where the evidence shows the TSC good and the
 * demotion came from the reference or from scheduling — and then with its risk.
 */
import type { Facts } from '../agent/facts.js';
import type { Analyzer, Finding, Fix } from '../agent/findings.js';
import type { Derived } from '../agent/derive/index.js';
import { dedupe, evidenceOr, fmtDuration, refEvidence, setClocksourceFix } from './util.js';
import { assessTsc, bootParamFix, lines, type TscAssessment } from './tsc-evidence.js';

const PV_NAMES: Record<string, string> = {
  'kvm-clock': 'kvm-clock', xen: 'the xen clocksource', hyperv_clocksource_tsc_page: 'the Hyper-V TSC page', hyperv_clocksource_msr: 'the Hyper-V reference counter',
};

function skewText(a: TscAssessment): string {
  const v = a.verdicts.find((x) => x.skewNs !== null);
  return v?.skewNs != null ? `${fmtDuration(Math.abs(v.skewNs) / 1e9)} of skew${v.watchdog !== null ? ` against ${v.watchdog}` : ''}` : '';
}

/** TSC_WATCHDOG_REFERENCE: the watchdog could not trust its reference; the TSC is likely fine. */
export function tscWatchdogReference(facts: Facts, d: Derived, a: TscAssessment | null = assessTsc(facts, d)): Finding[] {
  if (a === null || a.owner !== 'reference' || a.referenceFault === null) return [];
  const k = a.k;
  const demoted = a.demotions.length > 0;
  const vm = a.role === 'guest';
  const fixes: Fix[] = [];
  if (vm && a.pvClock !== null && a.pvClock !== a.current) fixes.push(setClocksourceFix(a.pvClock, `Use ${PV_NAMES[a.pvClock] ?? a.pvClock}, which this guest has and which no watchdog second-guesses: the better answer than trusting the TSC.`));
  // Role unknown: the log is of one machine that may be a VM; its own boot line is that machine's ('guest'
  // when it is a VM), and the stall hunt covers both readings rather than assume a host.
  const unknown = a.role === 'unknown';
  fixes.push({ where: 'host', summary: vm ? 'Make the reference cheap to read: avoid nested virtualisation for this guest, or give the VM more CPU headroom on its host; an emulated HPET read costs a VM exit each time.'
    : unknown ? 'If this machine is a VM: give it more CPU headroom on its host or avoid nested virtualisation (an emulated reference clock is slow to read, and a descheduled vCPU misses the check); otherwise find what stalls the machine around the watchdog check (SMIs, overload) if it keeps happening.'
    : 'Find what stalls the machine around the watchdog check (SMIs, an overloaded or descheduled machine) if it keeps happening.' });
  if (demoted && a.tscGood) {
    const on = unknown ? 'On the machine this log is from (the guest, if it is a VM) and only if its TSC is known good' : 'Only if this TSC is known good';
    fixes.push(bootParamFix('tsc=reliable', vm || unknown ? 'guest' : 'host', `${on} (invariant, \`constant_tsc nonstop_tsc\`, and no warp between CPUs at boot — the log shows none): turn the watchdog off for it. The risk: a TSC that does go wrong later is then no longer caught.`));
  }
  return [{
    id: 'TSC_WATCHDOG_REFERENCE',
    severity: demoted ? 'warning' : 'info',
    title: demoted
      ? 'The clocksource watchdog demoted the TSC because it could not trust its own reference, not because the TSC was wrong'
      : 'The clocksource watchdog could not read its reference cleanly and skipped checks; the TSC was not demoted',
    detail: `Why it points at the reference: ${a.referenceFault}. `
      + (demoted ? `Since then the kernel keeps time with ${a.current !== null && a.current !== 'tsc' ? a.current : 'a slower fallback clocksource'}, so clock reads are slower for no fault of the TSC. ` : 'The TSC stays the clocksource; the messages cost nothing but show the reference is slow to read. ')
      + (vm ? 'In a VM this is the hypervisor emulating the reference (HPET, acpi_pm) slowly, typically under nested virtualisation or a busy host.' : ''),
    evidence: evidenceOr(dedupe([...a.referenceEvidence, ...lines(k, a.readIssues, 2), ...lines(k, a.demotions, 1)]), 'kernel-log', k, 'watchdog read-back delay'),
    fixes,
    data: { demoted, role: a.role, tscGood: a.tscGood },
  }];
}

/** TSC_DEMOTED_NOT_IN_USE: the watchdog demoted a TSC the machine was not keeping time with. */
export function tscDemotedNotInUse(facts: Facts, d: Derived, a: TscAssessment | null = assessTsc(facts, d)): Finding[] {
  if (a === null || a.owner !== 'not-in-use') return [];
  const k = a.k;
  const inUse = a.verdicts.find((v) => v.currentAtVerdict !== null)?.currentAtVerdict ?? a.current ?? k.finalClocksource;
  const name = inUse !== null ? PV_NAMES[inUse] ?? inUse : 'another clocksource';
  const backwards = a.tscBackwards ? ' The TSC even read lower than at the previous check (cs_now < cs_last), which a raw TSC under a paravirtual hypervisor such as Xen PV can do; it is one more reason that clock is not the one to keep time with.' : '';
  return [{
    id: 'TSC_DEMOTED_NOT_IN_USE',
    severity: 'info',
    title: `The watchdog marked the TSC unstable, but this machine keeps time with ${name}, which is not affected: harmless`,
    detail: `The TSC was only a backup clocksource here: ${name} was the current clocksource before the demotion and still is, so no clock changed and nothing jumped.${backwards} `
      + (a.afterResume !== null ? 'It came right after a resume, when a guest\'s raw TSC is expected to look off. ' : '')
      + 'Large jumps in such guests come from pausing or suspending the VM without resynchronising its clock afterwards, which is a different problem.',
    evidence: dedupe([...lines(k, a.verdicts, 1), ...lines(k, a.demotions, 1), ...(d.clocksource.currentEvidence.length > 0 ? d.clocksource.currentEvidence : refEvidence('kernel-log', k, 'finalClocksource'))]),
    fixes: [{ where: a.role === 'guest' ? 'guest' : 'host', summary: `Nothing to do: keep ${name}.` }],
    data: { current: inUse, tscBackwards: a.tscBackwards },
  }];
}

/** GUEST_RAW_TSC_UNSTABLE: a guest kept time on the raw TSC, the TSC was demoted, and its paravirtual clock sat unused. */
export function guestRawTscUnstable(facts: Facts, d: Derived, a: TscAssessment | null = assessTsc(facts, d)): Finding[] {
  if (a === null || a.owner !== 'guest-raw' || a.pvClock === null) return [];
  const k = a.k;
  const pv = a.pvClock;
  const pvName = PV_NAMES[pv] ?? pv;
  const skew = skewText(a);
  const fixes: Fix[] = [
    setClocksourceFix(pv, `Switch to ${pvName} now (no reboot; until the next boot).`),
    bootParamFix(`clocksource=${pv}`, 'guest', `Make ${pvName} permanent.`),
  ];
  if (k.failoverDisabled) fixes.push(bootParamFix('clocksource_failover', 'guest', 'On this RHEL/CentOS-era kernel also enable failover, so a clocksource the watchdog rejects is replaced instead of kept.'));
  fixes.push({ where: 'host', summary: 'On the host, look for what starves or moves the vCPU: an overloaded host, a host that suspended, live migration to a host with another TSC rate.' });
  return [{
    id: 'GUEST_RAW_TSC_UNSTABLE',
    severity: 'warning',
    title: `This guest kept time on the raw TSC, which its watchdog declared unstable${skew !== '' ? ` (${skew})` : ''}, while ${pvName} was available`,
    detail: `A guest's raw TSC is the host's TSC as the hypervisor passes it: when the vCPU is descheduled under host load, the host sleeps or the VM migrates, it no longer agrees with the guest's other clocks and the watchdog rejects it. ${pvName} is the hypervisor's paravirtual clock made for exactly this, and the guest has it. `
      + (k.failoverDisabled ? 'This kernel also says it will not fail over: it keeps the unstable TSC as its clocksource unless booted with clocksource_failover, so the clock stays wrong. ' : '')
      + (a.afterResume !== null ? 'The demotion came right after a resume of this guest. ' : ''),
    evidence: dedupe([...lines(k, a.verdicts, 1), ...lines(k, a.demotions, 1), ...refEvidence('kernel-log', k, 'failoverDisabled'), ...(d.clocksource.availableEvidence[pv] ?? []).slice(0, 1)]),
    fixes,
    data: { pvClock: pv, failoverDisabled: k.failoverDisabled, current: a.current },
  }];
}

/** `tsc=reliable` / `tsc=nowatchdog` as a whole word of the kernel command line. */
const WATCHDOG_OFF_PARAM = /(?:^|\s)(tsc=(?:reliable|nowatchdog))(?=\s|$)/;

/**
 * TSC_RELIABLE_IGNORED_FOR_TSC_EARLY: the command line has `tsc=reliable` (or `tsc=nowatchdog`), yet
 * the watchdog demoted `tsc-early`. From 4.18 the early TSC clocksource was registered with
 * CLOCK_SOURCE_MUST_VERIFY whatever the command line said, so the parameter only protected the final
 * `tsc`; fixed by "x86/tsc: Respect tsc command line paraemeter for clocksource_tsc_early" (tip
 * x86/urgent, 2019-11-05, Linux 5.4; backported to some stable and vendor kernels). The parameter
 * is not advised here: it is already there, and what disturbed the watchdog at boot is still to find.
 */
export function tscReliableIgnoredEarly(facts: Facts): Finding[] {
  const k = facts.kernelLog;
  if (k === null || k.commandLine === null) return [];
  const param = WATCHDOG_OFF_PARAM.exec(k.commandLine)?.[1];
  const early = k.watchdogVerdicts.filter((v) => v.clocksource === 'tsc-early');
  if (param === undefined || early.length === 0) return [];
  return [{
    id: 'TSC_RELIABLE_IGNORED_FOR_TSC_EARLY',
    severity: 'warning',
    title: `The kernel was booted with ${param}, yet the watchdog demoted the early TSC clocksource (tsc-early): this kernel does not apply ${param} to tsc-early`,
    detail: `Kernels from 4.18 register an early TSC clocksource, tsc-early, that the watchdog always checks: ${param} only exempted the final tsc clocksource, `
      + 'so a watchdog upset during boot still marked the TSC unstable for the whole boot. The kernel fixed it in 5.4 ("x86/tsc: Respect tsc command line paraemeter for clocksource_tsc_early", November 2019), '
      + 'and some stable and vendor kernels carry the fix. What upset the watchdog so early is a separate question: in a VM, usually the reference (refined-jiffies or an emulated hpet) '
      + 'falling behind while the vCPU is descheduled or its timer interrupts are lost under host load.',
    evidence: dedupe([...refEvidence('kernel-log', k, 'commandLine'), ...lines(k, early, 2)]),
    fixes: [
      { where: 'guest', summary: `Run a kernel that honours ${param} for tsc-early: Linux 5.4 or newer, or a vendor kernel with the fix backported (check its changelog for "clocksource_tsc_early"). Check with \`dmesg | grep -i tsc-early\` after reboot.` },
      { where: 'host', summary: 'If this is a VM, look for what delays the guest at boot (an overcommitted host, vCPUs descheduled): that is what made the early watchdog disagree.' },
    ],
    data: { param },
  }];
}

export const tscWatchdogAnalyzer: Analyzer = {
  id: 'tsc-watchdog',
  needs: ['kernelLog'],
  run: (facts, d) => {
    const a = assessTsc(facts, d);
    return [...tscWatchdogReference(facts, d, a), ...tscDemotedNotInUse(facts, d, a), ...guestRawTscUnstable(facts, d, a), ...tscReliableIgnoredEarly(facts)];
  },
};

