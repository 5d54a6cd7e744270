/**
 * What a kind's facts say about the machine as a whole — which hypervisor, which role, which
 * clocksource is in use — as typed hints with their evidence. Each kind states its own hints (its
 * descriptor's `hints`); agent/derive/ weighs them all once per diagnosis, so no analyzer and no part
 * of the model ever re-reads the raw facts to decide "is this a VM?" in a way of its own.
 */
import type { EvidenceItem } from './kind.js';

/** Hypervisors by what they are, not by product name. */
export type HypervisorName =
  | 'virtualbox' | 'kvm' | 'vmware' | 'hyperv' | 'xen' | 'haxm' | 'hvf' | 'qemu' | 'parallels' | 'bhyve' | 'firecracker' | 'other';

/** What the machine the evidence is about is: a VM, a machine that runs VMs, or plain hardware. */
export type Role = 'guest' | 'host' | 'bare-metal';

/** How much a hint is worth: `strong` names it outright; `weak` only points to it. */
export type HintStrength = 'strong' | 'weak';

export type Hint =
  /** The machine runs under this hypervisor (or is described by its log, for VBox.log and vmware.log). */
  | { about: 'hypervisor'; name: HypervisorName; label: string; strength: HintStrength; evidence: EvidenceItem[] }
  /** The machine's role, and why. */
  | { about: 'role'; role: Role; strength: HintStrength; why: string; evidence: EvidenceItem[] }
  /** This machine hosts VMs with this hypervisor (its modules are loaded): `kvm`, `virtualbox`, `vmware`, `xen`. */
  | { about: 'hosts'; name: string; evidence: EvidenceItem[] }
  /** CPU architecture. */
  | { about: 'arch'; arch: 'x86' | 'arm64' | 'arm' | 'other'; evidence: EvidenceItem[] }
  /**
   * The clocksource in use, or the ones available. `rank` orders sources of the same fact: sysfs (3)
   * beats the kernel log's last switch (2) beats a guess (1).
   */
  | { about: 'clocksource'; current: string | null; available: string[]; rank: number; evidence: EvidenceItem[] }
  /**
   * A time-sync daemon or service seen, and what it is doing. `daemon` is the program (`chronyd`,
   * `ntpd`, `systemd-timesyncd`, `VBoxService`, `vmtoolsd`, `hv_utils`, `ptp_kvm`, `openntpd`, `ntpdate`),
   * `ntp-service` for the NTP service timedated manages (timedatectl does not say which daemon it is),
   * or `*` for "any daemon" (a process scan that found none: state `absent`).
   */
  | { about: 'time-sync'; daemon: string; state: TimeSyncState; evidence: EvidenceItem[] }
  /**
   * The OS of the machine that runs the VM (the hypervisor host), when the evidence shows it: a Darwin
   * `uname -a`, `sw_vers`, `wsl --version`, a `+mac` multipass. Host-side fixes depend on it (a
   * PowerShell command for a Windows host, `VBoxManage` paths, a Mac that sleeps).
   */
  | { about: 'host-os'; os: HostOs; label: string; evidence: EvidenceItem[] };

/**
 * What a time-sync daemon is doing, as far as one kind of evidence shows: `running` (seen at work),
 * `synchronised` / `unsynchronised` (its latest word on it), `stepped` (it set the clock), `disabled`
 * (it runs with its time sync off), `inactive` (its service is known to be stopped), `absent` (a scan
 * that would show it found none), `seen` (mentioned, state unknown), `installed` (its package is, which
 * is no proof it runs).
 */
export type TimeSyncState = 'running' | 'synchronised' | 'unsynchronised' | 'stepped' | 'disabled' | 'inactive' | 'absent' | 'seen' | 'installed';

/** Operating systems a hypervisor host runs. */
export type HostOs = 'macos' | 'windows' | 'linux' | 'other';
