/** Versions of the virtualisation tools a user pasted (`limactl version`, `VBoxManage --version`, `vmware -v`, `wsl --version`, …). */
import type { LineRef, SectionBase } from '../kind.js';
import type { HostOs } from '../hints.js';

/** A tool (or host OS) and its version (also has the keys of LineRef). */
export interface ToolVersion extends LineRef {
  tool: 'lima' | 'colima' | 'virtualbox' | 'vmware' | 'qemu' | 'docker-machine' | 'docker' | 'docker-desktop' | 'multipass' | 'wsl' | 'vagrant' | 'parallels' | 'minikube' | 'macos' | 'windows';
  /** What the tool calls itself: `VMware ESXi`, `VMware Workstation`, `Lima`, `QEMU`. */
  product: string;
  version: string | null;
  build: string | null;
}

export interface VersionsFacts extends SectionBase {
  tools: ToolVersion[];
  /** The VM's architecture as colima or `docker version`'s server prints it (`aarch64`, `linux/arm64`). */
  vmArch: string | null;
  /** colima's `runtime:` (`docker`, `containerd`). */
  runtime: string | null;
  /** The host OS, when a line shows it (`sw_vers`, `Microsoft Windows [Version …]`, docker's client `OS/Arch: darwin/arm64`, `+mac`). */
  hostOs: HostOs | null;
  /** WSL's `Kernel version:` (the WSL2 VM's kernel). */
  wslKernel: string | null;
}
