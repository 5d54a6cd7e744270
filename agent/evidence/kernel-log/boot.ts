/**
 * The state of one boot while its lines are read, and the small operations rules perform on it.
 * A file may hold several boots (kern.log); the parser (parser.ts) starts a fresh state at each.
 */
import type { ArchTimerFacts, HypervFacts, KernelLogFacts, WatchdogReadIssue, WatchdogVerdict, XenFacts } from './facts.js';
import type { LineRef } from '../kind.js';

/**
 * Lists of events keep at most this many entries, so a hostile or endlessly concatenated log cannot
 * grow memory: the first MAX_EVENTS − 1 and always the latest (the last switch decides the final
 * clocksource).
 */
export const MAX_EVENTS = 1000;

export function add<T>(list: T[], item: T): void {
  if (list.length < MAX_EVENTS) list.push(item);
  else list[list.length - 1] = item;
}

export interface RawCounters { now: bigint; last: bigint; mask: bigint }

/** A watchdog verdict whose continuation lines may still follow. */
export interface OpenVerdict {
  v: WatchdogVerdict;
  lastLine: number;
  wdRaw: RawCounters | null;
  csRaw: RawCounters | null;
}

/** How the TSC rate was found at boot, by explicit lines (a later, better one wins). */
export type Calibration = 'pit' | 'hpet' | 'pmtimer' | 'hypervisor';

export const CAL_RANK: Record<Calibration, number> = { pit: 1, pmtimer: 2, hpet: 2, hypervisor: 3 };

/** Facts a boot state holds exactly as the facts name them (the rest are kept in working form). */
type CarriedFacts = Pick<KernelLogFacts,
  | 'kernelVersion' | 'hypervisor' | 'paravirtKernelOn' | 'dmi' | 'systemdVirtualization' | 'cpuBrand' | 'cpuDetectedKhz'
  | 'tscRefinedKhz' | 'tscFromHypervisorKhz' | 'kvmClock' | 'clocksourceSwitches' | 'clocksourceRegistrations' | 'tscUnstableEvents'
  | 'failoverDisabled' | 'tscSync' | 'timeWarnings' | 'suppressions' | 'hostLines' | 'vboxdrvTscMode' | 'vboxdrvTscHz' | 'sleepEvents'
  | 'hyperv' | 'xen' | 'archTimer' | 'arch' | 'ptpSupport' | 'haxm' | 'hpetHz' | 'tscDeadlineTimer' | 'timeSync' | 'commandLine'>;

export interface BootState extends CarriedFacts {
  refs: Record<string, LineRef>;
  /** `Detected N MHz TSC` (tsc_khz when it differs from cpu_khz). */
  tscDetectedTscKhz: number | null;
  /** 2.6.18's `TSC: Frequency read from the hypervisor`: the next `Detected … processor` is the hypervisor's rate. */
  hypervisorFreqPending: boolean;
  calibration: Calibration | null;
  /** Verdicts with their raw counters, finished at the end (verdict.ts). */
  verdicts: OpenVerdict[];
  readIssues: WatchdogReadIssue[];
  /** An open `TSC synchronization [CPU#a -> CPU#b]:` header waiting for its `Measured …` line. */
  syncHeader: { from: number | null; to: number | null; line: number; excerpt: string } | null;
  /** The boot CPU has brought the others up (`smp: Brought up …`): later CPU onlining is hotplug. */
  smpDone: boolean;
  /** Line of `Enabling non-boot CPUs` (CPUs come back from suspend), until tasks restart. */
  resumingSince: number | null;
  kernelCommandLine: string | null;
  sawVersion: boolean;
  sawCommandLine: boolean;
  sawStampAboveOne: boolean;
  /** Anything recorded or a stamp ≥ 1 s seen: a following boot marker starts a new boot. */
  touched: boolean;
}

export function freshBoot(): BootState {
  return {
    refs: {}, kernelVersion: null, hypervisor: null, paravirtKernelOn: null, dmi: null, systemdVirtualization: null,
    cpuBrand: null, cpuDetectedKhz: null, tscDetectedTscKhz: null, tscRefinedKhz: null, tscFromHypervisorKhz: null,
    hypervisorFreqPending: false, calibration: null, kvmClock: false, clocksourceSwitches: [], clocksourceRegistrations: [],
    tscUnstableEvents: [], verdicts: [], readIssues: [], failoverDisabled: false, tscSync: [], syncHeader: null,
    smpDone: false, resumingSince: null, timeWarnings: [], suppressions: [], hostLines: [], vboxdrvTscMode: null,
    vboxdrvTscHz: null, sleepEvents: [], hyperv: null, xen: null, archTimer: null, arch: null, ptpSupport: false,
    haxm: false, hpetHz: null, tscDeadlineTimer: null, timeSync: [], commandLine: null, kernelCommandLine: null,
    sawVersion: false, sawCommandLine: false, sawStampAboveOne: false, touched: false,
  };
}

/** Did this boot state record anything a reader would miss if it were dropped? */
export function hasFacts(s: BootState): boolean {
  return s.kernelVersion !== null || s.hypervisor !== null || s.dmi !== null || s.cpuDetectedKhz !== null || s.tscRefinedKhz !== null
    || s.tscFromHypervisorKhz !== null || s.clocksourceSwitches.length > 0 || s.clocksourceRegistrations.length > 0
    || s.tscUnstableEvents.length > 0 || s.verdicts.length > 0 || s.timeSync.length > 0 || s.commandLine !== null || s.kvmClock
    || s.tscSync.length > 0 || s.timeWarnings.length > 0 || s.hostLines.length > 0 || s.readIssues.length > 0
    || s.hyperv !== null || s.xen !== null || s.archTimer !== null || s.sleepEvents.length > 0;
}

export function freshHyperv(): HypervFacts {
  return { hostBuild: null, vmbusVersion: null, features: null, lapicTimerHz: null, timeSyncVersion: null, otherServices: [], ptpRegisterFailed: false, wsl2: false, nested: false };
}

export function freshXen(): XenFacts {
  return { mode: null, domain: null, version: null, vcpuopTimer: false, hvmCallback: false, reportedKhz: null, vdsoUnsupported: false };
}

export function freshArchTimer(): ArchTimerFacts {
  return { hz: null, kind: null, mode: null, schedClockBits: null, schedClockHz: null };
}

/**
 * The boots a log holds: the current one's state, and the starts seen. A boot starts at `Linux
 * version`, a second `Command line:`, a journal boot separator or a stamp back at zero (parser.ts);
 * a leading fragment of an earlier boot (ring buffer, rotated kern.log) counts only if it said something.
 */
export class Boots {
  b: BootState = freshBoot();
  private starts = 0;
  private currentCounted = false;

  /** A new boot starts here, unless the current one is counted and nothing has touched it yet. */
  newBoot(): void {
    if (this.currentCounted && !this.b.touched) return;
    this.countStart();
    this.b = freshBoot();
  }

  /** A boot-start line: a new boot when `startsNew`, else the current one is counted as started. */
  readonly bootMarker = (startsNew: boolean): void => {
    if (startsNew) this.newBoot();
    else if (!this.currentCounted) this.countStart();
  };

  /** Boots counted, at least one. */
  count(): number {
    return Math.max(1, this.starts);
  }

  private countStart(): void {
    if (!this.currentCounted && hasFacts(this.b)) this.starts++;
    this.starts++;
    this.currentCounted = true;
  }
}
