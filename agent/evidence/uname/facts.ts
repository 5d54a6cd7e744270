/** `uname` output: the kernel, host name and machine of each system shown (a Mac host and its Linux VM may both be). */
import type { LineRef, SectionBase } from '../kind.js';

/** One `uname` output (also has the keys of LineRef). Fields the command did not print are null. */
export interface UnameSystem extends LineRef {
  /** `-s`: `Linux`, `Darwin`, `FreeBSD`. */
  kernelName: string | null;
  /** `-n`: the host name. */
  nodename: string | null;
  /** `-r`: `5.15.90.1-microsoft-standard-WSL2`, `21.4.0`. */
  kernelRelease: string | null;
  /** `-v`: `#1 SMP PREEMPT_DYNAMIC …` or Darwin's `Darwin Kernel Version …`. */
  kernelVersion: string | null;
  /** `-m`: `x86_64`, `aarch64`, `arm64`. */
  machine: string | null;
  /** `-o`: `GNU/Linux`. */
  os: string | null;
  /** The prompt's host and command, when the output was pasted under one. */
  host: string | null;
  command: string | null;
}

export interface UnameFacts extends SectionBase {
  /** Every output seen, in order (at most 50). */
  systems: UnameSystem[];
  /** The machine the section is about: the first system that is not a Darwin (macOS) host. */
  kernelName: string | null;
  nodename: string | null;
  kernelRelease: string | null;
  machine: string | null;
  arch: 'x86' | 'arm64' | 'arm' | 'other' | null;
  /** `wsl2` for a `-microsoft-standard[-WSL2]` kernel, `wsl1` for WSL 1's `-Microsoft` release. */
  wsl: 'wsl1' | 'wsl2' | null;
  /** What the release says the kernel is built for: `azure`, `aws`, `gcp`, `oracle`, `kvm`, `boot2docker`, `linuxkit`. */
  flavour: string | null;
  /** A Darwin `uname` was shown: the Mac that runs the VMs (its release and machine). */
  macHost: { release: string | null; machine: string | null; nodename: string | null } | null;
}
