/**
 * Rules for the hypervisors in a kernel log, from both sides: a guest's enlightenments (Hyper-V's
 * mshyperv.c / hv_vmbus / hv_utils, Xen's arch/x86/xen, the ARM generic timer) and a host's own
 * hypervisor modules (kvm, vboxdrv, vmmon, Xen's control domain).
 */
import { add } from './boot.js';
import type { HostLine } from './facts.js';
import { archTimer, here, hyperv, ref, refOnce, xen, type KernelRule, type RuleContext } from './rule.js';
import { safeInt } from '../../util/numbers.js';

function host(c: RuleContext, hypervisor: HostLine['hypervisor'], kind: HostLine['kind'] = 'module'): void {
  // One line per hypervisor and kind is evidence enough; a busy host prints thousands.
  if (!c.b.hostLines.some((h) => h.hypervisor === hypervisor && h.kind === kind)) add(c.b.hostLines, { ...here(c), atSeconds: c.at, hypervisor, kind });
  c.b.touched = true;
}

/** `24.00` MHz (two decimals, arm_arch_timer.c `%lu.%02lu`) → Hz. */
function mhz2(int: string | undefined, frac: string | undefined): number | null {
  const i = safeInt(int);
  if (i === null) return null;
  const hz = i * 1_000_000 + Number((frac ?? '').padEnd(2, '0').slice(0, 2)) * 10_000;
  return Number.isSafeInteger(hz) ? hz : null;
}

export const HYPERV_RULES: readonly KernelRule[] = [
  {
    id: 'hyperv-host-build',
    needs: ['Hyper-V Host Build', 'Vmbus version:'],
    re: /Hyper-V Host Build:(\S+?)(?:;|\s|$)(?:\s*Vmbus version:(\d+\.\d+))?|Vmbus version:(\d+\.\d+)/,
    apply(m, c) {
      const h = hyperv(c);
      if (m[1] !== undefined) { h.hostBuild = m[1]; ref(c, 'hypervHostBuild'); }
      const vmbus = m[2] ?? m[3];
      if (vmbus !== undefined) { h.vmbusVersion = vmbus; refOnce(c, 'hypervVmbusVersion'); }
    },
  },
  {
    id: 'hyperv-features',
    needs: ['Hyper-V: ', 'HyperV: '],
    re: /Hyper-?V: (?:(features|privilege flags) (.+)|LAPIC Timer Frequency: (0x[0-9a-f]+|\d+)|(running on a nested hypervisor)|.+)$/,
    apply(m, c) {
      const h = hyperv(c);
      if (m[2] !== undefined) { h.features = m[2].trim(); ref(c, 'hypervFeatures'); }
      if (m[3] !== undefined) {
        const v = m[3].startsWith('0x') ? Number.parseInt(m[3], 16) : safeInt(m[3]);
        h.lapicTimerHz = v !== null && Number.isSafeInteger(v) ? v : null;
        ref(c, 'hypervLapicTimerHz');
      }
      if (m[4] !== undefined) { h.nested = true; refOnce(c, 'hypervNested'); }
      refOnce(c, 'hyperv');
    },
  },
  {
    id: 'hv-utils-ic',
    needs: ['IC version', 'TimeSync version'],
    re: /(?:(\w+) IC version (\d+\.\d+)|Using TimeSync version (\d+\.\d+))/,
    apply(m, c) {
      const h = hyperv(c);
      const service = m[3] !== undefined ? 'TimeSync' : m[1] ?? '';
      const version = m[3] ?? m[2] ?? null;
      if (service === 'TimeSync') { h.timeSyncVersion = version; ref(c, 'hypervTimeSync'); } else if (!h.otherServices.includes(service)) h.otherServices.push(service);
      refOnce(c, 'hyperv');
    },
  },
  {
    id: 'hv-ptp-failed',
    needs: ['cannot register PTP clock'],
    re: /cannot register PTP clock/,
    apply(_m, c) { hyperv(c).ptpRegisterFailed = true; ref(c, 'hypervPtpRegisterFailed'); },
  },
  {
    id: 'hv-vmbus',
    needs: ['hv_vmbus: ', 'hv_utils: '],
    re: /^hv_(?:vmbus|utils): /,
    apply(_m, c) { hyperv(c); refOnce(c, 'hyperv'); },
  },
];

export const XEN_RULES: readonly KernelRule[] = [
  {
    id: 'xen-version',
    needs: ['Xen version'],
    re: /^Xen version:? (\d+\.\d+(?:\.\d+)?)([^ ]*)(?: \(preserve-AD\))?\.?$/,
    apply(m, c) {
      const x = xen(c);
      x.version = `${m[1] ?? ''}${m[2] ?? ''}`.replace(/\.$/, '');
      // PV prints `Xen version: 4.4.1 (preserve-AD)`; HVM's enlighten_hvm.c `Xen version 4.11.`
      if (x.mode === null) x.mode = c.msg.includes('Xen version:') ? 'pv' : 'hvm';
      ref(c, 'xenVersion');
    },
  },
  {
    id: 'xen-hvm-callback',
    needs: ['Xen HVM callback vector'],
    re: /Xen HVM callback vector for event delivery is enabled/,
    apply(_m, c) { const x = xen(c); x.hvmCallback = true; if (x.mode !== 'pvh') x.mode = 'hvm'; ref(c, 'xenMode'); },
  },
  {
    id: 'xen-vcpuop-timer',
    needs: ['vcpuop timer interface', 'installing Xen timer'],
    re: /Xen: using vcpuop timer interface|installing Xen timer for CPU/,
    apply(_m, c) { xen(c).vcpuopTimer = true; refOnce(c, 'xenTimer'); },
  },
  {
    id: 'xen-vdso-unsupported',
    needs: ['VDSO_CLOCKMODE_PVCLOCK not supported'],
    re: /VDSO_CLOCKMODE_PVCLOCK not supported/,
    apply(_m, c) { xen(c).vdsoUnsupported = true; ref(c, 'xenVdsoUnsupported'); },
  },
  {
    // Lines only Xen's control domain prints: ACPI GSI routing, the MCE log and CPU PM info it forwards
    // to the hypervisor, the PCI backend; and any Xen line that calls itself dom0.
    id: 'xen-dom0',
    needs: ['xen: registering gsi', 'xen_mcelog', 'xen_acpi_processor', 'pciback', 'dom0', 'Dom0'],
    re: /^xen: registering gsi|^xen_mcelog: |^xen_acpi_processor: |xen[-_]pciback|^(?:xen|Xen)\b.*\b[Dd]om0\b|Initializing Xen.*\bdom0\b/,
    apply(_m, c) { const x = xen(c); x.domain = 'dom0'; ref(c, 'xenDom0'); host(c, 'xen', 'dom0'); },
  },
  {
    // `xl dmesg`: the hypervisor's own console, readable only from the control domain.
    id: 'xen-hypervisor-console',
    needs: ['(XEN) '],
    re: /^\(XEN\) /,
    apply(_m, c) { host(c, 'xen', 'hypervisor-console'); },
  },
  {
    id: 'xen-misc',
    needs: ['xen:', 'xen_', 'Xen: '],
    re: /^(?:xen(?::[\w-]+)?: |xen_[a-z]+: |Xen: )/,
    apply(_m, c) { xen(c); refOnce(c, 'xen'); },
  },
];

export const ARM_RULES: readonly KernelRule[] = [
  {
    id: 'arch-timer',
    needs: ['timer(s) running at', 'timer running at'],
    re: /(?:arch_timer: )?(cp15(?: and mmio)?|mmio) timer(?:\(s\))? running at (\d+)\.(\d+)MHz \(([\w/]+)\)/,
    apply(m, c) {
      const t = archTimer(c);
      t.kind = m[1] ?? null;
      t.hz = mhz2(m[2], m[3]);
      t.mode = m[4] ?? null;
      // ARMv7 cores with the virtualisation extensions have the same timer: it names no architecture.
      ref(c, 'archTimer');
    },
  },
  {
    id: 'sched-clock',
    needs: ['sched_clock: '],
    re: /sched_clock: (\d+) bits at (\d+)([kMG]?)Hz/,
    apply(m, c) {
      const mult = m[3] === 'G' ? 1e9 : m[3] === 'M' ? 1e6 : m[3] === 'k' ? 1e3 : 1;
      const base = safeInt(m[2]);
      const t = archTimer(c);
      t.schedClockBits = safeInt(m[1]);
      t.schedClockHz = base === null ? null : base * mult;
      ref(c, 'schedClock');
    },
  },
];

export const HOST_RULES: readonly KernelRule[] = [
  {
    id: 'kvm-unstable-tsc-vm',
    needs: ['SMP vm created on host with unstable TSC'],
    re: /SMP vm created on host with unstable TSC/,
    apply(_m, c) { host(c, 'kvm', 'unstable-tsc'); ref(c, 'kvmUnstableTsc'); },
  },
  {
    // kvm.ko and its vendor modules (arch/x86/kvm), and per-VM messages (`kvm [1234]: vcpu0 …`). Not
    // a guest's `kvm-clock:`/`kvm-guest:`, and not a module that found no VT-x/AMD-V to use.
    id: 'kvm-module',
    needs: ['kvm: ', 'kvm_intel: ', 'kvm_amd: ', 'kvm ['],
    re: /^(?:kvm(?:_intel|_amd)?: (?!.*(?:no hardware support|disabled by bios|not supported|support for 'kvm_\w+' disabled))|kvm \[\d+\]: )/,
    apply(_m, c) { host(c, 'kvm'); refOnce(c, 'kvmHost'); },
  },
  {
    id: 'vboxdrv-tsc',
    needs: ['vboxdrv: TSC mode is'],
    re: /vboxdrv: TSC mode is '?(\w+)'?(?:, tentative frequency (\d+) Hz)?/,
    apply(m, c) {
      c.b.vboxdrvTscMode = m[1] ?? null;
      c.b.vboxdrvTscHz = safeInt(m[2]);
      ref(c, 'vboxdrvTsc');
      host(c, 'virtualbox');
    },
  },
  {
    id: 'vbox-host-module',
    needs: ['vboxdrv', 'VBoxNetFlt', 'VBoxNetAdp', 'vboxnetflt', 'vboxnetadp'],
    re: /^(?:vboxdrv|VBoxNetFlt|VBoxNetAdp|vboxnetflt|vboxnetadp)\b/,
    apply(_m, c) { host(c, 'virtualbox'); refOnce(c, 'vboxHost'); },
  },
  {
    id: 'vmware-host-module',
    needs: ['vmmon', 'vmnet: '],
    re: /^(?:vmmon: |\/dev\/vmmon\[\d+\]: |vmnet: )/,
    apply(_m, c) { host(c, 'vmware'); refOnce(c, 'vmwareHost'); },
  },
];
