/**
 * Every corpus kernel log (test/fixtures/dmesg, copied from the shared corpus) and the live capture:
 * golden facts (regenerate deliberately with UPDATE_GOLDEN=1, then check the diff against the file by
 * hand), plus the points MANIFEST.tsv says each file shows, asserted explicitly.
 */
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKernelLogParser } from '../../agent/evidence/kernel-log/parser.js';
import { parseFile } from '../../agent/sources/file.js';
import { parseText } from '../../agent/evidence/text/lines.js';
import type { KernelLogFacts } from '../../agent/facts.js';
import { expectGolden } from '../helpers/golden.js';

const FIX = path.resolve(import.meta.dirname, '..', 'fixtures');
const GOLDEN = path.resolve(import.meta.dirname, '..', 'golden', 'kernel-log');

const files = [
  ...fs.readdirSync(path.join(FIX, 'dmesg')).filter((f) => f.endsWith('.txt')).sort().map((f) => `dmesg/${f}`),
  'live/firecracker-kvm-6.18/commands/dmesg',
];

function facts(rel: string): KernelLogFacts {
  return parseFile(path.join(FIX, rel), createKernelLogParser(rel)).facts;
}

describe('golden facts for every corpus kernel log', () => {
  for (const rel of files) {
    it(rel, () => {
      const got = `${JSON.stringify(facts(rel), null, 2)}\n`;
      expectGolden(path.join(GOLDEN, `${rel.replace(/\//g, '__')}.json`), got);
    });
  }
});

type Expect = Partial<Pick<KernelLogFacts,
  'format' | 'boots' | 'kernelVersion' | 'hypervisor' | 'paravirtKernelOn' | 'tscDetectedKhz' | 'tscRefinedKhz' | 'tscFromHypervisorKhz'
  | 'tscCalibration' | 'kvmClock' | 'finalClocksource' | 'tscUnstable' | 'hpetHz' | 'systemdVirtualization' | 'arch' | 'wholeBoot'
  | 'filteredBy' | 'failoverDisabled' | 'vboxdrvTscHz'>> & {
  switches?: string[];
  /** Kinds of TSC sync events, in order. */
  sync?: string[];
  /** Kinds of watchdog read issues, in order. */
  readIssues?: string[];
  hosts?: string[];
  warnings?: string[];
  unstableReasons?: string[];
  hyperv?: Partial<NonNullable<KernelLogFacts['hyperv']>>;
  xen?: Partial<NonNullable<KernelLogFacts['xen']>>;
  archTimer?: Partial<NonNullable<KernelLogFacts['archTimer']>>;
};

/** What MANIFEST.tsv says each file shows, checked against the file by hand. */
const MANIFEST: Record<string, Expect> = {
  'dmesg/baremetal-acer-baytrail-4.4-refinedjiffies-acpipm-tsc.txt': { switches: ['refined-jiffies', 'acpi_pm', 'tsc'], tscRefinedKhz: 1599948, tscDetectedKhz: 1599968, tscCalibration: 'pmtimer', hypervisor: null, paravirtKernelOn: 'bare hardware' },
  'dmesg/baremetal-amd-ryzen-b450-5.3-tsc-early.txt': { switches: ['tsc-early', 'tsc'], tscRefinedKhz: 3792874, tscCalibration: 'pit', kernelVersion: '5.3.0-29-generic' },
  'dmesg/baremetal-lenovo-3.16-hpet-then-tsc.txt': { switches: ['hpet', 'tsc'], tscRefinedKhz: 1994999, kernelVersion: '3.16.0-23-generic' },
  'dmesg/baremetal-nec-rhel6-2.6.32-notimestamps-hpet-tsc.txt': { format: 'plain', switches: ['hpet', 'tsc'], tscRefinedKhz: 2526961, kernelVersion: '2.6.32-279.el6.x86_64' },
  'dmesg/baremetal-supermicro-amd-epyc-5.14-el9.txt': { switches: ['tsc-early', 'tsc'], tscRefinedKhz: 2400000, tscCalibration: 'pit', hpetHz: 14318180 },
  'dmesg/baremetal-supermicro-x8sie-4.4-hpet-tsc.txt': { switches: ['hpet', 'tsc'], tscRefinedKhz: 2399999 },
  'dmesg/hyperv-rhel8-4.18-tsc-page-sosreport.txt': { hypervisor: 'Microsoft Hyper-V', tscUnstable: true, finalClocksource: 'hyperv_clocksource_tsc_page', kernelVersion: '4.18.0-80.11.2.el8_0.x86_64' },
  'dmesg/kvm-bochs-3.13-kernlog-multiboot.txt': { format: 'syslog', boots: 4, hypervisor: 'KVM', finalClocksource: 'kvm-clock', switches: ['kvm-clock'], kvmClock: true, hpetHz: 100_000_000 },
  'dmesg/kvm-bochs-3.13-kvmclock.txt': { hypervisor: 'KVM', kvmClock: true, finalClocksource: 'kvm-clock', tscCalibration: 'kvm-clock' },
  'dmesg/kvm-debian-2.6.32-switching-to-kvmclock.txt': { hypervisor: null, paravirtKernelOn: 'KVM', switches: ['kvm-clock'], kernelVersion: '2.6.32-5-amd64' },
  'dmesg/kvm-digitalocean-ubuntu14.04-3.13-kvmclock.txt': { hypervisor: 'KVM', finalClocksource: 'kvm-clock', tscRefinedKhz: 2199993 },
  'dmesg/kvm-redhat-ubuntu-5.4-kvmclock.txt': { format: 'journal', hypervisor: 'KVM', finalClocksource: 'kvm-clock', switches: ['kvm-clock'], systemdVirtualization: 'kvm' },
  'dmesg/vbox-kvm-paravirt-debian10-4.19-kvmclock-kernlog.txt': { format: 'syslog', hypervisor: 'KVM', kvmClock: true, finalClocksource: 'kvm-clock', tscDetectedKhz: 2096064 },
  'dmesg/vbox-kvm-paravirt-ubuntu-5.4-vagrant.txt': { hypervisor: 'KVM', switches: ['kvm-clock', 'tsc'], finalClocksource: 'tsc', systemdVirtualization: 'oracle', tscDetectedKhz: 2592000 },
  'dmesg/vmware-centos5-2.6.18-time-tsc-clocksource-installed.txt': { format: 'plain', switches: ['tsc'], tscFromHypervisorKhz: 3791999, tscCalibration: 'hypervisor', kernelVersion: '2.6.18-419.el5.centos.plus' },
  'dmesg/vmware-debian8-3.16-i586-installer-syslog.txt': { hypervisor: 'VMware', tscFromHypervisorKhz: 2397223, switches: ['hpet', 'tsc'] },
  'dmesg/vmware-ubuntu12.04-3.2-head-truncated-ringbuffer.txt': { kernelVersion: null, tscFromHypervisorKhz: 3191999, switches: ['hpet', 'tsc'], boots: 1 },
  'dmesg/vmware-ubuntu12.04-3.2-kernlog-multiboot.txt': { boots: 2, hypervisor: 'VMware', tscFromHypervisorKhz: 3399049, switches: ['hpet', 'tsc'] },
  'dmesg/xen-hvm-aws-amzn2-4.14-xen4.11-messages.txt': { format: 'syslog', hypervisor: 'Xen HVM', finalClocksource: 'xen', tscRefinedKhz: 2400001, systemdVirtualization: 'xen' },
  'dmesg/xen-hvm-aws-centos7-3.10-xen-clocksource.txt': { hypervisor: 'Xen HVM', finalClocksource: 'xen', tscRefinedKhz: 2400000, hpetHz: 62_500_000 },
  'dmesg/xen-hvm-aws-ubuntu14.04-3.13-xen-clocksource.txt': { hypervisor: 'Xen HVM', finalClocksource: 'xen', tscRefinedKhz: 2493991 },
  // Pasted excerpts from public threads (SOURCE.md names each), checked against the thread by hand.
  'dmesg/pasted-baremetal-ubuntu-2.6-losing-ticks-cpufreq-syslog.txt': { format: 'syslog', warnings: ['lost-ticks', 'many-lost-ticks', 'many-lost-ticks'], wholeBoot: false },
  'dmesg/pasted-guest-acrn-tsc-early-refined-jiffies-watchdog-wrapped.txt': { format: 'plain', tscUnstable: true, unstableReasons: ['clocksource watchdog'] },
  'dmesg/pasted-guest-arm64-qemu-virt-arch-timer.txt': { archTimer: { hz: 62_500_000, kind: 'cp15', mode: 'virt', schedClockBits: 56, schedClockHz: 62_000_000 }, wholeBoot: false },
  'dmesg/pasted-guest-nested-qemu-hpet-read-back-delay-truncated.txt': { readIssues: ['read-back-delay'], unstableReasons: ['clocksource watchdog', 'found unstable after boot'], switches: ['hpet'] },
  'dmesg/pasted-guest-nested-qemu-hpet-read-timed-out.txt': { readIssues: ['read-timeout', 'read-timeout', 'read-timeout', 'read-timeout'], tscUnstable: false },
  'dmesg/pasted-guest-openwrt-unraid-wd-wd-read-back-skipped.txt': { format: 'syslog', readIssues: ['skipped', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped'], tscUnstable: false },
  'dmesg/pasted-guest-propolis-ubuntu22.04-tsc-warp-165-cycles.txt': { sync: ['warp'], unstableReasons: ['check_tsc_sync_source failed'] },
  'dmesg/pasted-guest-propolis-watchdog-acpi-pm-tsc-found-unstable.txt': { switches: ['acpi_pm'], unstableReasons: ['clocksource watchdog', 'found unstable after boot'] },
  'dmesg/pasted-guest-tsc-early-demoted-despite-tsc-reliable.txt': { tscDetectedKhz: 2100055, tscCalibration: 'pit', tscUnstable: true, unstableReasons: ['clocksource watchdog'], wholeBoot: false },
  'dmesg/pasted-guest-wsl2-hv-utils-timesync-ptp-register-failed.txt': { hyperv: { timeSyncVersion: '4.0', ptpRegisterFailed: true } },
  'dmesg/pasted-guest-wsl2-hyperv-host-build-19041.txt': { hypervisor: 'Microsoft Hyper-V', hyperv: { hostBuild: '19041-10.0-5-0.5486', lapicTimerHz: 2_000_000, nested: false, features: 'low 0xae7f, high 0x3b8030, hints 0x20e24, misc 0x20bed7b2' }, arch: 'x86' },
  'dmesg/pasted-guest-xen-hvm-centos5-timer-isr-backwards-wrapped.txt': { warnings: ['timer-isr-backwards'] },
  'dmesg/pasted-host-proxmox-dell-t5610-tsc-warp-kvm-unstable.txt': { sync: ['warp'], hosts: ['kvm'], finalClocksource: 'hpet', tscCalibration: 'pit', vboxdrvTscHz: null },
  'live/firecracker-kvm-6.18/commands/dmesg': { hypervisor: 'KVM', switches: ['kvm-clock', 'tsc'], finalClocksource: 'tsc', tscDetectedKhz: 2000000, kernelVersion: '6.18.44-fc-v669', tscUnstable: false },
};

describe('what MANIFEST.tsv says each file shows', () => {
  it('covers every fixture', () => {
    expect(Object.keys(MANIFEST).sort()).toEqual([...files].sort());
  });
  for (const [rel, want] of Object.entries(MANIFEST)) {
    it(rel, () => {
      const f = facts(rel);
      const { switches, sync, readIssues, hosts, warnings, unstableReasons, hyperv, xen, archTimer, ...scalars } = want;
      expect(f).toMatchObject(scalars);
      if (switches !== undefined) expect(f.clocksourceSwitches.map((s) => s.to)).toEqual(switches);
      if (sync !== undefined) expect(f.tscSync.map((e) => e.kind)).toEqual(sync);
      if (readIssues !== undefined) expect(f.watchdogReadIssues.map((e) => e.kind)).toEqual(readIssues);
      if (hosts !== undefined) expect([...new Set(f.hostLines.map((h) => h.hypervisor))]).toEqual(hosts);
      if (warnings !== undefined) expect(f.timeWarnings.map((w) => w.kind)).toEqual(warnings);
      if (unstableReasons !== undefined) expect(f.tscUnstableEvents.map((e) => e.reason)).toEqual(unstableReasons);
      if (hyperv !== undefined) expect(f.hyperv).toMatchObject(hyperv);
      if (xen !== undefined) expect(f.xen).toMatchObject(xen);
      if (archTimer !== undefined) expect(f.archTimer).toMatchObject(archTimer);
      expect(f.finalClocksource).toBe(f.clocksourceSwitches[f.clocksourceSwitches.length - 1]?.to ?? null);
      // Every scalar fact that is set has a line reference that really contains its evidence.
      const text = fs.readFileSync(path.join(FIX, rel), 'utf8').split('\n');
      for (const [key, ref] of Object.entries(f.refs)) {
        expect(text[ref.line - 1]?.trim().startsWith(ref.excerpt.slice(0, 40)), `${key} → line ${ref.line}`).toBe(true);
      }
    });
  }
});

describe('this machine (a live KVM guest), when dmesg is readable', () => {
  it('parses the output of dmesg', () => {
    const r = spawnSync('dmesg', [], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0 || r.stdout.trim() === '') return; // no CAP_SYSLOG here: nothing to check
    const f = parseText(createKernelLogParser('dmesg'), r.stdout);
    expect(f.boots).toBe(1);
    expect(f.format).toBe('dmesg');
    expect(f.kernelVersion).not.toBeNull();
    expect(f.finalClocksource).toBe(f.clocksourceSwitches[f.clocksourceSwitches.length - 1]?.to ?? null);
  });
});
