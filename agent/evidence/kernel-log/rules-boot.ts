/** Rules for the lines that start a boot and say what kernel and machine it is. */
import { hyperv, ref, type KernelRule, type RuleContext } from './rule.js';

/** The architecture a `Linux version` line's build names (target triple, package suffix). */
function archOfVersion(line: string): 'x86' | 'arm64' | 'arm' | null {
  if (/aarch64|arm64/i.test(line)) return 'arm64';
  if (/\barm(?:v[5-7]\w*|hf|el)?\b|arm-linux|armv7/i.test(line)) return 'arm';
  if (/x86[_-]64|amd64|\bi[3-6]86\b|\.el\d+\.x86_64/i.test(line)) return 'x86';
  return null;
}

function setArch(c: RuleContext, arch: 'x86' | 'arm64' | 'arm' | null): void {
  if (arch === null || c.b.arch !== null) return;
  c.b.arch = arch;
  ref(c, 'arch');
}

export const BOOT_RULES: readonly KernelRule[] = [
  {
    id: 'linux-version',
    needs: ['Linux version'],
    re: /(?:^|\s|>)Linux version (\S+)/,
    apply(m, c) {
      // VBoxService prints the guest's kernel version in its own lines; that is no boot.
      if (c.msg.includes('vgsvc')) return false;
      c.bootMarker(c.b.touched || c.b.sawVersion);
      const b = c.b;
      b.sawVersion = true;
      b.touched = true;
      b.kernelVersion = m[1] ?? null;
      ref(c, 'kernelVersion');
      setArch(c, archOfVersion(c.msg));
      // WSL2 runs Microsoft's kernel in a Hyper-V utility VM (`5.15.90.1-microsoft-standard-WSL2`).
      if (/microsoft-standard|-Microsoft\b/i.test(b.kernelVersion ?? '')) {
        hyperv(c).wsl2 = true;
        ref(c, 'wsl2');
      }
      return true;
    },
  },
  {
    id: 'kernel-command-line',
    needs: ['ommand line:'],
    re: /Kernel command line: ?(.*)$/,
    apply(m, c) {
      c.b.kernelCommandLine = m[1]?.trim() ?? '';
      ref(c, 'kernelCommandLine');
      c.b.touched = true;
    },
  },
  {
    id: 'command-line',
    needs: ['ommand line:'],
    re: /(?:^|\s|>)Command line: ?(.*)$/,
    apply(m, c) {
      // `xl dmesg` shows the Xen hypervisor's own command line, not this kernel's.
      if (c.msg.startsWith('(XEN)')) return false;
      c.bootMarker(c.b.sawCommandLine);
      const b = c.b;
      b.sawCommandLine = true;
      b.touched = true;
      b.commandLine = m[1]?.trim() ?? '';
      ref(c, 'commandLine');
    },
  },
];

/**
 * Lines that only one architecture's kernel prints; they set `arch` without being evidence of
 * anything else, so they come last (after every rule that reads the same line for more).
 */
export const ARCH_RULES: readonly KernelRule[] = [
  {
    id: 'arch-x86',
    needs: ['x86/fpu:', 'BIOS-e820', 'x86/PAT:', 'x86: Booting SMP'],
    re: /^(?:x86\/fpu:|BIOS-e820|x86\/PAT:|x86: Booting SMP)/,
    apply(_m, c) { setArch(c, 'x86'); },
  },
  {
    id: 'arch-arm',
    needs: ['Booting Linux on physical CPU', 'CPU: ARMv', 'psci: '],
    re: /^(?:Booting Linux on physical CPU (0x[0-9a-f]+)|CPU: ARMv(\d)|psci: )/,
    apply(m, c) {
      // A 64-bit MPIDR (`0x0000000000`) is printed by arm64 only; ARMv7 cores print `CPU: ARMv7 Processor`.
      if (m[2] !== undefined) setArch(c, 'arm');
      else if (m[1] !== undefined) setArch(c, m[1].length > 10 ? 'arm64' : 'arm');
      else c.b.touched = true;
    },
  },
];
