/**
 * Rules for what the machine is: the hypervisor a guest's kernel names (hypervisor.c, DMI, systemd),
 * the paravirtual clocks, other time hardware lines and the CPU brand.
 */
import { add } from './boot.js';
import { here, ref, refOnce, xen, type KernelRule } from './rule.js';
import { excerpt } from '../text/lines.js';
import { safeInt } from '../../util/numbers.js';
import { parseTimeSyncMessages } from '../vbox/timesync.js';

export const PLATFORM_RULES: readonly KernelRule[] = [
  {
    id: 'hypervisor-detected',
    needs: ['Hypervisor detected'],
    re: /Hypervisor detected: (.+)$/,
    apply(m, c) { c.b.hypervisor = (m[1] ?? '').trim(); ref(c, 'hypervisor'); c.b.touched = true; },
  },
  {
    id: 'paravirt-kernel',
    needs: ['Booting paravirtualized kernel'],
    re: /Booting paravirtualized kernel (with PVH extensions )?on (.+)$/,
    apply(m, c) {
      c.b.paravirtKernelOn = (m[2] ?? '').trim();
      ref(c, 'paravirtKernelOn');
      c.b.touched = true;
      const on = c.b.paravirtKernelOn;
      if (/^Xen/.test(on)) {
        const x = xen(c);
        x.mode = m[1] !== undefined || /PVH/.test(on) ? 'pvh' : /HVM/.test(on) ? 'hvm' : x.mode ?? 'pv';
        ref(c, 'xenMode');
      }
    },
  },
  {
    id: 'dmi',
    needs: ['DMI:'],
    re: /^(?:\S+ )?DMI: (.+)$/,
    apply(m, c) {
      if (c.b.dmi === null) { c.b.dmi = (m[1] ?? '').trim(); ref(c, 'dmi'); c.b.touched = true; }
    },
  },
  {
    id: 'systemd-virtualization',
    needs: ['Detected virtualization'],
    re: /Detected virtualization ([\w.-]+?)\.?$/,
    apply(m, c) { c.b.systemdVirtualization = m[1] ?? null; ref(c, 'systemdVirtualization'); c.b.touched = true; },
  },
  {
    id: 'kvm-clock',
    needs: ['kvm-clock'],
    re: /kvm-clock: (?:Using msrs|cpu \d+, msr|using sched offset)|clocksource kvm-clock|kvm-clock: mask:/,
    apply(_m, c) { c.b.kvmClock = true; refOnce(c, 'kvmClock'); c.b.touched = true; },
  },
  {
    id: 'hpet-counter',
    needs: ['comparators'],
    re: /hpet\d*: \d+ comparators, \d+-bit (\d+)\.(\d{1,6}) MHz counter/,
    apply(m, c) {
      const frac = (m[2] ?? '').padEnd(6, '0');
      const mhz = safeInt(m[1]);
      const hz = mhz === null ? null : mhz * 1_000_000 + Number(frac);
      c.b.hpetHz = hz !== null && Number.isSafeInteger(hz) ? hz : null;
      ref(c, 'hpetHz');
      c.b.touched = true;
    },
  },
  {
    id: 'tsc-deadline-on',
    needs: ['TSC deadline timer'],
    re: /TSC deadline timer (?:enabled|available)/,
    apply(_m, c) { c.b.tscDeadlineTimer = true; ref(c, 'tscDeadlineTimer'); },
  },
  {
    id: 'tsc-deadline-off',
    needs: ['TSC_DEADLINE disabled'],
    re: /TSC_DEADLINE disabled/,
    apply(_m, c) { c.b.tscDeadlineTimer = false; ref(c, 'tscDeadlineTimer'); },
  },
  {
    id: 'cpu-brand',
    needs: ['CPU0: ', 'CPU: '],
    re: /(?:^|\s)(?:smpboot: )?CPU0: (.+?)(?: \((?:fam|family): .*\)| stepping \w+)?$|^CPU: (.+?) \((?:fam|family): /,
    apply(m, c) {
      // Only the first brand line counts (later CPUs repeat it); the others are no evidence of their own.
      if (c.b.cpuBrand !== null) return false;
      const brand = (m[1] ?? m[2] ?? '').replace(/\s+/g, ' ').trim();
      // `CPU0: Thermal monitoring enabled (TM1)` and friends are not brand strings.
      if (!/^(?:Thermal|Intel P|AMD C|Features|L1|L2|attaching)/.test(brand) && !/\b(?:enabled|disabled)\b/.test(brand)) {
        c.b.cpuBrand = brand;
        ref(c, 'cpuBrand');
        c.b.touched = true;
      }
      return true;
    },
  },
  {
    // VBoxService lines forwarded by vboxguest (its own `HH:MM:SS.uuuuuu timesync …` prefix), or 4.3's
    // function names; not Hyper-V's `hv_utils: TimeSync IC version 4.0`. The same reader as VBox.log's.
    id: 'vboxservice-timesync',
    needs: ['vgsvcTimeSync', 'VBoxServiceTimeSync', 'timesync'],
    re: /vgsvcTimeSync|VBoxServiceTimeSync|\d\d:\d\d:\d\d\.\d{3,9} timesync\s/,
    apply(_m, c) {
      for (const t of parseTimeSyncMessages(c.msg)) add(c.b.timeSync, { line: c.lineNo, excerpt: excerpt(c.raw), atSeconds: c.at, ...t });
      c.b.touched = true;
    },
  },
  {
    id: 'ptp-support',
    needs: ['PTP clock support registered'],
    re: /PTP clock support registered/,
    apply(_m, c) { c.b.ptpSupport = true; refOnce(c, 'ptpSupport'); c.b.touched = true; },
  },
  {
    // Android emulator output pasted beside the guest's dmesg names the accelerator outright.
    id: 'haxm',
    needs: ['HAXM', 'HAX is working'],
    re: /HAXM version [\d.]+ (?:\(\d+\) )?is installed|HAX is working and emulator runs in fast virt mode|CPU Acceleration status: HAXM/,
    apply(_m, c) { c.b.haxm = true; c.b.refs.haxm ??= here(c); c.b.touched = true; },
  },
];
