/**
 * VMware's host-side `vmware.log` (Workstation, Player, Fusion, ESXi): what the VMM measured and chose
 * for the guest's time base (the TSC estimates, the rate used, the PTSC source), the timeTracker, the
 * time-sync settings of the `.vmx`, the Tools in the guest and what happened to the VM.
 */
import type { LineRef, SectionBase } from '../kind.js';

/** One of the estimates in `TSC kHz estimates: vmmon 1946477, osReported 2000000. Using 2000000 kHz.` */
export interface VmwareTscEstimate {
  /** As the log names it: `vmmon` (VMware's own timed measurement), `remembered`, `osReported`, `cpuinfo`, `cpufreq`. */
  source: string;
  /** Integer Hz (kHz values × 1000); 0 = the source had no value. */
  hz: number;
}

/** Where PTSC (VMware's pseudo-TSC, the time base of the guest's virtual TSC) comes from. */
export type VmwarePtscSource = 'tsc' | 'reference-clock';

/** A VM life event the log records. */
export interface VmwareEvent extends LineRef {
  /** Seconds since the log's first stamped line, when both stamps are known. */
  atSeconds: number | null;
  kind: 'power-on' | 'powered-off' | 'suspended' | 'suspend-completed' | 'snapshot' | 'stun' | 'sync-time-option';
  /** `stun`: how long the VM stood still (`Checkpoint_Unstun: vm stopped for N us`), in µs. */
  durationUs: number | null;
  /** Free detail: the snapshot name, the option value. */
  detail: string | null;
}

export interface VmwareFacts extends SectionBase {
  /** Which stamp shape the log's lines carry, or `bare` for pasted lines without one. */
  format: 'legacy' | 'iso-pipe' | 'iso-level' | 'bare' | null;
  /** `VMware Workstation`, `VMware Player`, `VMware Fusion`, `VMware ESX`. */
  product: string | null;
  version: string | null;
  /** Build number without the `build-` prefix. */
  build: string | null;
  /** The vmx process id (`Log for … pid=`): tells two runs apart. */
  pid: number | null;
  /** The host's name (`Hostname=Euan-PC`). */
  hostName: string | null;
  /** `Host is Windows 11 Pro, 64-bit (Build 22621.1702)`, `Linux 2.6.38-8-generic`. */
  hostOs: string | null;
  /** Host kernel HZ (`HOST sysname Linux, …, hz=250`), Linux hosts only. */
  hostHz: number | null;
  /** Host CPU brand (`hostCPUID name:` / `CPUID[0] name:`), spaces collapsed. */
  hostCpu: string | null;
  /** Rate of the host's reference clock (QueryPerformanceCounter, clock_gettime) from `HOSTINFO x @ NHz -> …`. */
  hostReferenceClockHz: number | null;
  /** `HOSTINFO: Host supports constant rate TSC.` */
  hostConstantRateTsc: boolean | null;
  /** Every estimate of the host TSC rate the log lists, in its order. */
  tscEstimates: VmwareTscEstimate[];
  /** The rate VMware uses for the host TSC (and announces to the guest), Hz. */
  tscUsedHz: number | null;
  /** VMware's own timed measurement (`vmmon`), Hz; null when absent or 0. */
  tscMeasuredHz: number | null;
  /** `TSC min delta N`: smallest cross-CPU TSC difference VMware saw, cycles. */
  tscMinDeltaCycles: number | null;
  ptscSource: VmwarePtscSource | null;
  /** The reference clock rate PTSC is scaled from (`PTSC: RefClockTo(P)TSC … @ NHz -> … @ MHz`), and the PTSC rate. */
  ptscRefClockHz: number | null;
  ptscHz: number | null;
  /** `PTSC: hardware TSCs are synchronized.` */
  tscSynchronized: boolean | null;
  /** `PTSC: hardware TSCs may have been adjusted by the host.` */
  tscAdjusted: boolean | null;
  /** `Disabling TSC scaling since host does not support it.` → false; `TSC scaling enabled` → true. */
  tscScaling: boolean | null;
  /** `TSC offsetting enabled.` */
  tscOffsetting: boolean | null;
  /** `TimeTracker host to guest rate conversion … @ AHz -> … @ BHz`: the host rate and the guest's virtual TSC rate. */
  timeTrackerHostHz: number | null;
  timeTrackerGuestHz: number | null;
  /** `timeTracker.*` values the log prints (`timeTracker.globalProgressMaxAllowanceMS: 2000`) or the config sets. */
  timeTracker: Record<string, string>;
  /** `tools.syncTime` (periodic Tools time sync) as the config sets it, or as it was last changed. */
  toolsSyncTime: boolean | null;
  /** `time.synchronize.*` one-off sync switches the config sets (`continue`, `restore`, `resume.disk`, …). */
  timeSynchronize: Record<string, boolean>;
  /** Other time-related config keys as given (`host.cpukHz`, `host.noTSC`, `ptsc.noTSC`, `monitor_control.virtual_rdtsc`). */
  timeConfig: Record<string, string>;
  /** Tools version number (`TOOLS setting legacy tools version to '8227'`); 0 = no Tools. */
  toolsVersion: number | null;
  /** Last Tools status (`'ok'`, `'noTools'`, `'unmanaged'`). */
  toolsStatus: string | null;
  /** `Monitor Mode: ULM` (user-level monitor on the Windows Hypervisor Platform) or `CPL0`. */
  monitorMode: string | null;
  /** The host runs Hyper-V underneath (`IOPL_Init: Hyper-V detected by CPUID`, `Syncing WHP TSCs`). */
  hostHyperV: boolean | null;
  /** `displayName` and `guestOS` of the config. */
  vmName: string | null;
  guestOs: string | null;
  /** The host-wide config file VMware read (`DICT --- HOST DEFAULTS C:\\ProgramData\\VMware\\VMware Workstation\\config.ini`). */
  hostConfigPath: string | null;
  /** The `.vmx` path (`Config file:` or the command line). */
  vmxPath: string | null;
  events: VmwareEvent[];
}
