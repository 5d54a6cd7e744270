/**
 * What the kernel log says about the TSC, read once the way an expert reads it, for the rules that
 * name its causes (tsc-sync.ts, tsc-watchdog.ts, clocksource.ts). Not an analyzer: the one place
 * that decides which cause explains a demotion, so two rules never both claim it, nor contradict.
 *
 * A demotion is owned by exactly one cause, in this order:
 * 1. `sync` — the CPUs' TSCs disagree (a warp at boot or hotplug, inter-CPU skew): the TSC really is
 *    unusable across CPUs;
 * 2. `by-design` — Hyper-V without an invariant TSC marks it unstable on purpose;
 * 3. `not-in-use` — the TSC demoted was not the clocksource the machine kept time with (a Xen or
 *    kvm-clock guest): nothing changed for its clock;
 * 4. `reference` — the watchdog could not trust its own reference (read-back delays, timeouts,
 *    jiffies that stop when ticks are lost, acpi_pm wrapping while the check ran late): the TSC is
 *    likely fine;
 * 5. `guest-raw` — a guest kept time on the raw TSC although a paravirtual clock was there;
 * 6. `skew` — the watchdog measured the TSC off its reference, cause not shown.
 */
import type { Facts } from '../agent/facts.js';
import type { Derived } from '../agent/derive/index.js';
import type { EvidenceItem, Fix } from '../agent/findings.js';
import type {
  KernelLogFacts, SleepEvent, TscSyncEvent, TscUnstableEvent, WatchdogReadIssue, WatchdogVerdict,
} from '../agent/evidence/kernel-log/facts.js';
import { lineEvidence } from './util.js';

export type DemotionOwner = 'sync' | 'by-design' | 'not-in-use' | 'reference' | 'guest-raw' | 'skew';

/** The role as the rules word it: `unknown` when nothing says. */
export type RoleWord = 'guest' | 'host' | 'bare-metal' | 'unknown';

export interface TscAssessment {
  k: KernelLogFacts;
  role: RoleWord;
  /** Warps measured between CPUs, random warps and inter-CPU skew lines. */
  warps: TscSyncEvent[];
  /** TSC_ADJUST lines that say something was wrong (not the plain `Boot CPU0: 0`). */
  adjust: TscSyncEvent[];
  /** Demotions other than Hyper-V's by-design one. */
  demotions: TscUnstableEvent[];
  byDesign: TscUnstableEvent[];
  /** Watchdog verdicts on the TSC. */
  verdicts: WatchdogVerdict[];
  readIssues: WatchdogReadIssue[];
  /** Why the watchdog's reference, not the TSC, is to blame; null when nothing shows it. */
  referenceFault: string | null;
  /** The evidence of referenceFault. */
  referenceEvidence: EvidenceItem[];
  /** A TSC counter that read lower than at the previous check. */
  tscBackwards: boolean;
  /** A resume shortly before the first demotion. */
  afterResume: SleepEvent | null;
  /** Was the TSC the clocksource in use when it was demoted? */
  inUse: 'yes' | 'no' | 'unknown';
  /** The clocksource the machine keeps time with now (derived), or null. */
  current: string | null;
  /** A paravirtual clocksource the machine has. */
  pvClock: string | null;
  owner: DemotionOwner | null;
  /**
   * The evidence shows the TSC itself good and the demotion came from the watchdog's reference or
   * from scheduling: the only case in which `tsc=reliable` may be offered, with its risk.
   */
  tscGood: boolean;
}

const TSC = new Set(['tsc', 'tsc-early']);
const PV_CLOCKS = ['kvm-clock', 'hyperv_clocksource_tsc_page', 'hyperv_clocksource_msr', 'xen'] as const;
const BY_DESIGN = /running on Hyper-?V/i;
const SYNC_REASON = /check_tsc_sync|inter CPU skew/;
/** The watchdog checks every WATCHDOG_INTERVAL = HZ/2 (kernel/time/clocksource.c). */
const INTERVAL_NS = 500_000_000;
/** acpi_pm's 24-bit counter wraps every 2^24 / 3 579 545 Hz = 4.687 s. */
const ACPI_PM_WRAP_NS = 4_687_000_000;

export function roleWord(d: Derived): RoleWord {
  return d.platform.role ?? 'unknown';
}

/** Is event `a` (of file/line/stamp) before event `b`? Stamps when both have one, else lines of one file. */
function before(a: { atSeconds: number | null; line: number; path?: string }, b: { atSeconds: number | null; line: number; path?: string }): boolean | null {
  if (a.atSeconds !== null && b.atSeconds !== null) return a.atSeconds <= b.atSeconds;
  if ((a.path ?? '') === (b.path ?? '')) return a.line <= b.line;
  return null;
}

/** The watchdog's reference is to blame: why, and the lines. */
function referenceFaultOf(k: KernelLogFacts, verdicts: WatchdogVerdict[], issues: WatchdogReadIssue[]): { why: string; evidence: EvidenceItem[] } | null {
  const marked = issues.filter((i) => i.marked);
  if (marked.length > 0) {
    const i = marked[0]!;
    const what = i.watchdog ?? (i.clocksource !== null ? `its reference around ${i.clocksource}` : 'its reference');
    return {
      why: `the watchdog could not read ${what} in time${i.delayNs !== null ? ` (a read-back delay of ${Math.round(i.delayNs / 1000)} µs)` : ''}, so it gave up on the clocksource it was checking: slow reads of an emulated HPET (nested virtualisation) or a busy host delay the reference, not the TSC`,
      evidence: marked.slice(0, 2).map((e) => lineEvidence('kernel-log', k, e)),
    };
  }
  const slow = issues.filter((i) => i.kind !== 'remote-timeout');
  if (slow.length > 0 && verdicts.length === 0) {
    const worst = slow.reduce((x, y) => ((y.delayNs ?? 0) > (x.delayNs ?? 0) ? y : x));
    const what = worst.watchdog ?? 'its reference';
    return {
      why: `reading ${what} took too long${worst.delayNs !== null ? ` (up to ${Math.round(worst.delayNs / 1000)} µs, where the watchdog allows about 100 µs)` : ''}, so the watchdog ${slow.some((i) => i.kind === 'retried') ? 'had to retry or ' : ''}skipped its checks: an emulated HPET or ACPI PM timer read costs a VM exit, and under nested virtualisation or a busy host many of them`,
      evidence: slow.slice(0, 2).map((e) => lineEvidence('kernel-log', k, e)),
    };
  }
  for (const v of verdicts) {
    if (v.watchdog === 'jiffies' || v.watchdog === 'refined-jiffies') {
      return { why: `the watchdog's reference was ${v.watchdog}, which only counts timer interrupts: when ticks are lost (an overloaded or descheduled vCPU, no HPET) it falls behind and the TSC looks wrong`, evidence: [lineEvidence('kernel-log', k, v)] };
    }
    const cs = v.csNsec ?? (v.intervalNs !== null && v.skewNs !== null ? v.intervalNs + v.skewNs : null);
    if (v.watchdog === 'acpi_pm' && cs !== null && cs > ACPI_PM_WRAP_NS) {
      return { why: `the check ran ${(cs / 1e9).toFixed(1)} s after the last one instead of 0.5 s, longer than acpi_pm's 24-bit counter takes to wrap (4.7 s): the reference lost whole wraps, not the TSC time`, evidence: [lineEvidence('kernel-log', k, v)] };
    }
    const wd = v.wdNsec;
    if (v.csNsec !== null && wd !== null && Math.abs(v.csNsec - INTERVAL_NS) < INTERVAL_NS * 0.1 && Math.abs(wd - INTERVAL_NS) > INTERVAL_NS * 0.5) {
      return { why: `the TSC measured the expected 0.5 s between checks (${(v.csNsec / 1e6).toFixed(0)} ms) while the reference ${v.watchdog ?? ''} measured ${(wd / 1e6).toFixed(0)} ms: the reference is off, not the TSC`, evidence: [lineEvidence('kernel-log', k, v)] };
    }
  }
  return null;
}

function inUseAtDemotion(k: KernelLogFacts, first: TscUnstableEvent | undefined, verdicts: WatchdogVerdict[], current: string | null): TscAssessment['inUse'] {
  const printed = verdicts.find((v) => v.currentAtVerdict !== null)?.currentAtVerdict;
  if (printed !== undefined && printed !== null) return TSC.has(printed) ? 'yes' : 'no';
  if (first === undefined) return 'unknown';
  const prior = k.clocksourceSwitches.filter((s) => before(s, first) === true);
  const last = prior[prior.length - 1];
  if (last !== undefined) return TSC.has(last.to) ? 'yes' : 'no';
  if (current !== null && TSC.has(current)) return 'yes';
  // RHEL 5/6 kernels without clocksource_failover keep the clocksource they had; with no switch shown, it was the TSC they judged.
  if (k.failoverDisabled) return current === null || TSC.has(current) ? 'yes' : 'unknown';
  return 'unknown';
}

/** Read the kernel log's TSC story. Null when there is no kernel log. */
export function assessTsc(facts: Facts, d: Derived): TscAssessment | null {
  const k = facts.kernelLog;
  if (k === null) return null;
  const warps = k.tscSync.filter((e) => e.kind === 'warp' || e.kind === 'random-warp' || e.kind === 'percpu-skew');
  const adjust = k.tscSync.filter((e) => e.kind.startsWith('adjust-') && !(e.kind === 'adjust-boot' && (e.adjustValue ?? 0) === 0));
  const byDesign = k.tscUnstableEvents.filter((e) => BY_DESIGN.test(e.reason));
  const demotions = k.tscUnstableEvents.filter((e) => !BY_DESIGN.test(e.reason));
  const verdicts = k.watchdogVerdicts.filter((v) => TSC.has(v.clocksource));
  const readIssues = k.watchdogReadIssues;
  const fault = referenceFaultOf(k, verdicts, readIssues);
  const current = d.clocksource.current;
  const all = new Set([...d.clocksource.available, ...(current !== null ? [current] : [])]);
  const pvClock = PV_CLOCKS.find((c) => all.has(c)) ?? null;
  const first = demotions[0];
  const inUse = inUseAtDemotion(k, first, verdicts, current);
  const resumes = k.sleepEvents.filter((e) => e.kind === 'suspend-exit' || e.kind === 'wake' || e.kind === 'restart-tasks');
  const afterResume = first === undefined ? null : resumes.filter((r) => before(r, first) === true && (r.atSeconds === null || first.atSeconds === null || first.atSeconds - r.atSeconds < 120)).pop() ?? null;
  const tscBackwards = verdicts.some((v) => v.backwards === 'clocksource');
  const role = roleWord(d);
  let owner: DemotionOwner | null = null;
  if (warps.length > 0 || demotions.some((e) => SYNC_REASON.test(e.reason))) owner = 'sync';
  else if (demotions.length === 0 && byDesign.length > 0) owner = 'by-design';
  else if (demotions.length > 0 && inUse === 'no') owner = 'not-in-use';
  // A TSC that read lower than before jumped by itself: whatever its reference did, it is not "likely fine".
  else if (fault !== null && !tscBackwards && (demotions.length > 0 || readIssues.length > 0)) owner = 'reference';
  else if (demotions.length > 0 && role === 'guest' && pvClock !== null && pvClock !== current) owner = 'guest-raw';
  else if (demotions.length > 0) owner = 'skew';
  return {
    k, role, warps, adjust, demotions, byDesign, verdicts, readIssues,
    referenceFault: fault?.why ?? null, referenceEvidence: fault?.evidence ?? [],
    tscBackwards, afterResume, inUse, current, pvClock, owner,
    tscGood: owner === 'reference' && !tscBackwards && warps.length === 0,
  };
}

/** Evidence lines of a list of line refs of the kernel log, at most `n`. */
export function lines(k: KernelLogFacts, refs: readonly { line: number; excerpt: string; path?: string }[], n = 3): EvidenceItem[] {
  return refs.slice(0, n).map((r) => lineEvidence('kernel-log', k, r));
}

/** A kernel parameter made permanent, worded for where it runs. */
export function bootParamFix(param: string, where: Fix['where'], why: string): Fix {
  return {
    where,
    summary: `${why} Add \`${param}\` to GRUB_CMDLINE_LINUX in /etc/default/grub, run update-grub (or grub2-mkconfig -o /boot/grub2/grub.cfg) and reboot.`,
  };
}

/** `7 309 500 619 cycles (≈ 3.18 s at 2295.780 MHz)`, or the cycles alone when the rate is not known. */
export function cyclesText(cycles: number | null, tscKhz: number | null): string {
  if (cycles === null) return 'a warp';
  const grouped = String(cycles).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  // Billions of cycles are seconds at any GHz rate: an offset between CPUs, not a drift.
  if (tscKhz === null || tscKhz <= 0) return cycles >= 1e9 ? `${grouped} cycles (seconds at any GHz clock rate)` : `${grouped} cycles`;
  const s = cycles / (tscKhz * 1000);
  const t = s >= 1 ? `${s.toFixed(2)} s` : s >= 1e-3 ? `${(s * 1e3).toFixed(1)} ms` : `${(s * 1e6).toFixed(1)} µs`;
  return `${grouped} cycles (≈ ${t} at ${(tscKhz / 1000).toFixed(3)} MHz)`;
}

/** The TSC rate the log states (refined, else detected, else VirtualBox's host driver's), in kHz. */
export function tscKhzOf(k: KernelLogFacts): number | null {
  if (k.tscRefinedKhz !== null) return k.tscRefinedKhz;
  if (k.tscDetectedKhz !== null) return k.tscDetectedKhz;
  return k.vboxdrvTscHz !== null ? Math.round(k.vboxdrvTscHz / 1000) : null;
}
