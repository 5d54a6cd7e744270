/**
 * Kernel log line families added with the rule table: TSC sync and TSC_ADJUST (tsc_sync.c), watchdog
 * read failures and verdict trailers (clocksource.c, 5.13 → 2025), Hyper-V (mshyperv.c, hv_vmbus,
 * hv_utils), Xen (enlighten_pv.c / enlighten_hvm.c / 2.6.18-xen time-xen.c), the ARM generic timer,
 * host modules, suspend/resume, 2.6-era lost ticks and printk suppressions; and the table itself.
 * "real" lines are verbatim from published logs (the fixture SOURCE.md names them); "synth" ones are
 * built from the kernel's format string.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKernelLogParser, KERNEL_LOG_LITERALS, KERNEL_LOG_RULES } from '../../agent/evidence/kernel-log/parser.js';
import { parseText } from '../../agent/evidence/text/lines.js';
import { ROOT } from '../helpers/cli.js';

const parse = (...lines: string[]) => parseText(createKernelLogParser('t'), lines.join('\n'));

describe('TSC synchronisation between CPUs', () => {
  it('the boot warp: header, warp and the demotion, with the CPUs (real, RPCS3 16382)', () => {
    const f = parse('[    0.298804] TSC synchronization [CPU#0 -> CPU#2]:', '[    0.298804] Measured 7309500619 cycles TSC warp between CPUs, turning off TSC clock.', '[    0.298820] tsc: Marking TSC unstable due to check_tsc_sync_source failed');
    expect(f.tscSync).toEqual([expect.objectContaining({ kind: 'warp', cpuFrom: 0, cpu: 2, warpCycles: 7309500619, when: 'boot', line: 2, header: { line: 1, excerpt: '[    0.298804] TSC synchronization [CPU#0 -> CPU#2]:' } })]);
    expect(f.tscUnstableEvents.map((e) => e.reason)).toEqual(['check_tsc_sync_source failed']);
  });
  it('a warp line alone (real, intel/haxm 339) and a random warp (synth)', () => {
    expect(parse('Measured 38253476481 cycles TSC warp between CPUs, turning off TSC clock.').tscSync[0]).toMatchObject({ kind: 'warp', cpuFrom: null, warpCycles: 38253476481 });
    expect(parse('[ 0.3] TSC warped randomly between CPUs').tscSync[0]?.kind).toBe('random-warp');
  });
  it('2.6-era checks that passed, and skipped checks on a reliable TSC', () => {
    expect(parse('checking TSC synchronization across 4 CPUs: passed.').tscSync[0]).toMatchObject({ kind: 'passed', when: 'boot' });
    expect(parse('[ 0.2] checking TSC synchronization [CPU#0 -> CPU#1]: passed.').tscSync[0]).toMatchObject({ kind: 'passed', cpuFrom: 0, cpu: 1 });
    expect(parse('[ 0.2] Skipped synchronization checks as TSC is reliable.').tscSync[0]?.kind).toBe('skipped');
  });
  it('hotplug: a check after the boot CPU brought the others up; resume: while CPUs come back', () => {
    const hot = parse('[ 0.3] smp: Brought up 1 node, 2 CPUs', '[ 812.0] Measured 1000 cycles TSC warp between CPUs, turning off TSC clock.');
    expect(hot.tscSync[0]?.when).toBe('hotplug');
    const late = parse('[ 812.0] Measured 1000 cycles TSC warp between CPUs, turning off TSC clock.');
    expect(late.tscSync[0]?.when).toBe('hotplug');
    const resume = parse('[ 900.0] Enabling non-boot CPUs ...', '[ 900.1] Measured 1000 cycles TSC warp between CPUs, turning off TSC clock.', '[ 900.2] Restarting tasks ... done.', '[ 950.0] Measured 5 cycles TSC warp between CPUs, turning off TSC clock.');
    expect(resume.tscSync.map((e) => e.when)).toEqual(['resume', 'hotplug']);
  });
  it('TSC_ADJUST in every form tsc_sync.c prints (synth), a typographic minus read as a minus', () => {
    const f = parse(
      '[ 0.0] TSC ADJUST: Boot CPU0: 0',
      '[ 0.0] [Firmware Bug]: TSC ADJUST: CPU0: -2890785364 force to 0',
      '[ 0.0] TSC ADJUST: CPU0: 512 NOT forced to 0',
      '[ 0.1] TSC ADJUST differs: Reference CPU0: 0 CPU4: 1024',
      '[ 0.1] TSC ADJUST synchronize: Reference CPU0: 0 CPU4: \u22121024',
      '[ 0.2] TSC ADJUST compensate: CPU4 observed 176 warp. Adjust: 176',
      '[ 99.0] [Firmware Bug]: TSC ADJUST differs: CPU3 0 --> -1024. Restoring',
    );
    expect(f.tscSync.map((e) => [e.kind, e.cpu, e.adjustValue])).toEqual([
      ['adjust-boot', 0, 0], ['adjust-forced', 0, -2890785364], ['adjust-not-forced', 0, 512], ['adjust-differs', 4, 1024], ['adjust-synchronize', 4, -1024],
      ['adjust-compensate', 4, 176], ['adjust-restored', 3, -1024],
    ]);
    expect(f.tscSync[5]?.warpCycles).toBe(176);
  });
  it('the watchdog\'s per-CPU check (real, propolis 328; synth from clocksource.c)', () => {
    const f = parse('[ 1.0] clocksource: Checking clocksource tsc synchronization from CPU 5 to CPUs 0,3,8.', '[ 1.0] clocksource:         CPUs 0,3 ahead of CPU 5 for clocksource tsc.', '[ 2.0] clocksource: Marking clocksource tsc unstable due to inter CPU skew', '[ 2.0] clocksource: CPU0     1234 < CPU1     1200 (cycles)');
    expect(f.tscSync.map((e) => e.kind)).toEqual(['percpu-skew', 'percpu-skew']);
    expect(f.tscUnstableEvents.map((e) => e.reason)).toEqual(['inter CPU skew']);
  });
});

describe('watchdog verdicts and reads', () => {
  it('4.x comma wording, raw counters, a TSC that read lower than last time (real, Qubes 2044)', () => {
    const f = parse(
      "[271095.072610] timekeeping watchdog: Marking clocksource 'tsc' as unstable, because the skew is too large:",
      "[271095.072619]         'xen' wd_now: f6aa707c0c8f wd_last: f6a8d4762faa mask: ffffffffffffffff",
      "[271095.072624]         'tsc' cs_now: 1b6861d00 cs_last: 21d7172f2b8c4 mask: ffffffffffffffff",
    );
    expect(f.watchdogVerdicts).toEqual([expect.objectContaining({ clocksource: 'tsc', watchdog: 'xen', backwards: 'clocksource', skewNs: null })]);
  });
  it('the current-clocksource trailer (synth from 6.1)', () => {
    const v = (trailer: string) => parse("[ 9.0] clocksource: timekeeping watchdog on CPU2: Marking clocksource 'tsc' as unstable because the skew is too large:", `[ 9.0] clocksource:                       ${trailer}`).watchdogVerdicts[0]?.currentAtVerdict;
    expect(v("'tsc' is current clocksource.")).toBe('tsc');
    expect(v("'xen' (not 'tsc') is current clocksource.")).toBe('xen');
    expect(v('No current clocksource.')).toBe('none');
  });
  it('the 2025 wording: frequency skew with the two intervals (synth from clocksource.c)', () => {
    const f = parse('[ 9.0] clocksource: Marking clocksource tsc unstable due to frequency skew', '[ 9.0] clocksource: Watchdog                    hpet interval:        499876543ns', '[ 9.0] clocksource: Clocksource                  tsc interval:        512000000ns');
    expect(f.watchdogVerdicts[0]).toMatchObject({ clocksource: 'tsc', watchdog: 'hpet', wdNsec: 499876543, csNsec: 512000000, skewNs: 512000000 - 499876543 });
    expect(f.tscUnstableEvents).toHaveLength(1);
  });
  it('read-back delays in each era\'s wording; one demotion per event', () => {
    const f = parse(
      '[ 1.0] clocksource: timekeeping watchdog on CPU168: hpet read-back delay of 4296200ns, attempt 4, marking unstable',
      '[ 1.0] tsc: Marking TSC unstable due to clocksource watchdog',
      '[ 2.0] clocksource: timekeeping watchdog on CPU3: wd-tsc-wd excessive read-back delay of 300000ns vs. limit of 125000ns, wd-wd read-back delay only 2000ns, attempt 3, marking tsc unstable',
      '[ 3.0] clocksource: timekeeping watchdog on CPU1: hpet retried 2 times before success',
      '[ 4.0] clocksource: Long readout interval, skipping watchdog check: cs_nsec: 1612000000 wd_nsec: 1612000000',
      '[ 5.0] clocksource: Watchdog remote CPU 3 read timed out',
    );
    expect(f.watchdogReadIssues.map((i) => [i.kind, i.watchdog, i.clocksource, i.delayNs, i.marked])).toEqual([
      ['read-back-delay', 'hpet', null, 4296200, true], ['read-back-delay', null, 'tsc', 300000, true], ['retried', 'hpet', null, null, false],
      ['long-interval', null, null, null, false], ['remote-timeout', null, null, null, false],
    ]);
    expect(f.tscUnstableEvents.map((e) => e.reason)).toEqual(['clocksource watchdog', 'watchdog read-back delay']);
  });
  it('RHEL\'s no-failover note, on the verdict line or alone (real, liquidat.wordpress.com)', () => {
    const f = parse('Clocksource tsc unstable (delta = -102057770 ns).  Enable clocksource failover by adding clocksource_failover kernel parameter.');
    expect(f).toMatchObject({ failoverDisabled: true, tscUnstable: true });
    expect(f.watchdogVerdicts[0]).toMatchObject({ clocksource: 'tsc', skewNs: -102057770 });
  });
});

describe('Hyper-V, Xen and ARM guests', () => {
  it('Hyper-V 4.18-era and 6.x lines (real: sosreport in the corpus, WSL 12591, WSL 7223)', () => {
    const f = parse(
      '[    0.000000] Hyper-V: features 0x2e7f, hints 0x20e24, misc 0xbed7b2',
      '[    0.000000] Hyper-V Host Build:18362-10.0-0-0.356',
      '[    0.000000] Hyper-V: LAPIC Timer Frequency: 0xc3500',
      '[    2.0] hv_vmbus: Vmbus version:5.0',
      '[    2.225842] hv_utils: cannot register PTP clock: 0',
      '[    2.226291] hv_utils: TimeSync IC version 4.0',
      '[    2.226292] hv_utils: Heartbeat IC version 3.0',
      '[    9.056052] PTP clock support registered',
    );
    expect(f.hyperv).toMatchObject({ features: '0x2e7f, hints 0x20e24, misc 0xbed7b2', hostBuild: '18362-10.0-0-0.356', lapicTimerHz: 800_000, vmbusVersion: '5.0', timeSyncVersion: '4.0', otherServices: ['Heartbeat'], ptpRegisterFailed: true, wsl2: false });
    expect(f.ptpSupport).toBe(true);
    expect(parse('hv_vmbus: Hyper-V Host Build:14393-10.0-0-0.274; Vmbus version:4.0').hyperv).toMatchObject({ hostBuild: '14393-10.0-0-0.274', vmbusVersion: '4.0' });
    expect(parse('hv_utils: Using TimeSync version 3.0').hyperv?.timeSyncVersion).toBe('3.0');
  });
  it('WSL2 from its kernel name, old and new', () => {
    expect(parse('[    0.000000] Linux version 4.19.104-microsoft-standard (oe-user@oe-host) (gcc version 8.2.0 (GCC)) #1 SMP Wed Feb 19 06:37:35 UTC 2020').hyperv?.wsl2).toBe(true);
    expect(parse('[    0.000000] Linux version 5.15.167.4-microsoft-standard-WSL2 (root@f9c826d3017f) (gcc (GCC) 11.2.0, GNU ld (GNU Binutils) 2.37) #1 SMP Tue Nov 5 00:21:55 UTC 2024').hyperv?.wsl2).toBe(true);
  });
  it('Xen PV, HVM, PVH and dom0 (corpus HVM logs; synth from enlighten_pv.c/enlighten_hvm.c)', () => {
    expect(parse('[ 0.0] Booting paravirtualized kernel on Xen', '[ 0.0] Xen version: 4.4.1 (preserve-AD)', '[ 0.5] Xen: using vcpuop timer interface').xen).toMatchObject({ mode: 'pv', version: '4.4.1', vcpuopTimer: true, domain: null });
    expect(parse('May 11 16:21:46 ip kernel: Xen version 4.11.', 'May 11 16:21:46 ip kernel: Xen HVM callback vector for event delivery is enabled').xen).toMatchObject({ mode: 'hvm', version: '4.11', hvmCallback: true });
    expect(parse('[ 0.0] Booting paravirtualized kernel on Xen PVH').xen?.mode).toBe('pvh');
    const dom0 = parse('[ 0.0] Booting paravirtualized kernel on Xen', '[ 1.0] xen: registering gsi 9 triggering 0 polarity 0');
    expect(dom0.xen?.domain).toBe('dom0');
    expect(dom0.hostLines.map((h) => [h.hypervisor, h.kind])).toEqual([['xen', 'dom0']]);
    const xl = parse('(XEN) Xen version 4.4.3 (user@) (gcc (GCC) 4.8.3 20140911 (Red Hat 4.8.3-7)) debug=n Sun Nov 15 04:19:14 UTC 2015', '(XEN) Command line: placeholder console=none dom0_mem=min:1024M');
    expect(xl.hostLines.map((h) => h.kind)).toEqual(['hypervisor-console']);
    expect(xl.commandLine).toBeNull();
    expect(parse('[ 0.0] Xen reported: 2400.084 MHz processor.').xen?.reportedKhz).toBe(2_400_084);
    expect(parse('[ 0.3] xen: VDSO_CLOCKMODE_PVCLOCK not supported (tsc unstable)').xen?.vdsoUnsupported).toBe(true);
  });
  it('the ARM generic timer and sched_clock (real: vivoblueos/kernel 409)', () => {
    const f = parse('[    0.000000] arch_timer: cp15 timer(s) running at 24.00MHz (virt).', '[    0.000070] sched_clock: 56 bits at 24MHz, resolution 41ns, wraps every 4398046511097ns', '[    0.0] arch_timer: cp15 and mmio timer(s) running at 19.20MHz (virt/virt).');
    expect(f.archTimer).toEqual({ hz: 19_200_000, kind: 'cp15 and mmio', mode: 'virt/virt', schedClockBits: 56, schedClockHz: 24_000_000 });
  });
  it('architecture from the kernel\'s own lines', () => {
    expect(parse('[ 0.0] Linux version 6.1.21-v8+ (dom@buildbot) (aarch64-linux-gnu-gcc-8 (Ubuntu/Linaro 8.4.0-3ubuntu1) 8.4.0, GNU ld (GNU Binutils for Ubuntu) 2.34) #1642 SMP PREEMPT Mon Apr  3 17:24:16 BST 2023').arch).toBe('arm64');
    expect(parse('[ 0.0] Booting Linux on physical CPU 0x0000000000 [0x410fd083]').arch).toBe('arm64');
    expect(parse('[ 0.0] CPU: ARMv7 Processor [413fc090] revision 0 (ARMv7), cr=18c5387d').arch).toBe('arm');
    expect(parse('[ 0.0] x86/fpu: Supporting XSAVE feature 0x001').arch).toBe('x86');
  });
});

describe('a host\'s own hypervisor modules', () => {
  it('kvm, vboxdrv, vmmon, with the TSC VirtualBox\'s driver measured (real, RPCS3 16382, KVM-Opencore 15)', () => {
    const f = parse(
      '[    6.202692] vboxdrv: TSC mode is Invariant, tentative frequency 2295681955 Hz',
      '[    6.2] vboxdrv: Found 8 processor cores',
      '[    6.380617] kvm_amd: TSC scaling supported',
      '[  215.019676] kvm: SMP vm created on host with unstable TSC; guest TSC will not be reliable',
      '[    7.0] vmmon: loading out-of-tree module taints kernel.',
    );
    expect(f.hostLines.map((h) => [h.hypervisor, h.kind])).toEqual([['virtualbox', 'module'], ['kvm', 'module'], ['kvm', 'unstable-tsc'], ['vmware', 'module']]);
    expect([f.vboxdrvTscMode, f.vboxdrvTscHz]).toEqual(['Invariant', 2_295_681_955]);
  });
  it('a module that found nothing to run VMs with is no host; a guest\'s kvm-clock is no host', () => {
    expect(parse('[ 3.0] kvm: no hardware support', '[ 3.0] kvm_intel: VMX not supported by CPU 0', '[ 0.0] kvm-clock: Using msrs 4b564d01 and 4b564d00', '[ 0.0] kvm-guest: PV spinlocks enabled').hostLines).toEqual([]);
  });
});

describe('suspend, resume and the time warnings of old kernels', () => {
  it('a suspend cycle (synth from kernel/power and drivers/acpi/sleep.c)', () => {
    const f = parse('[ 100.0] PM: suspend entry (deep)', '[ 100.0] Freezing user space processes ... (elapsed 0.001 seconds) done.', '[ 100.1] ACPI: PM: Preparing to enter system sleep state S3', '[ 100.2] ACPI: PM: Waking up from system sleep state S3', '[ 100.3] Timekeeping suspended for 3611.012 seconds', '[ 100.9] Restarting tasks ... done.', '[ 101.0] PM: suspend exit');
    expect(f.sleepEvents.map((e) => [e.kind, e.state, e.seconds])).toEqual([
      ['suspend-entry', 'deep', null], ['freeze', null, null], ['sleep', 'S3', null], ['wake', 'S3', null], ['suspended-for', null, 3611.012], ['restart-tasks', null, null], ['suspend-exit', null, null],
    ]);
  });
  it('xenified Time went backwards with a typographic dash (real, icaci.info), and the printk flood', () => {
    const f = parse('[214464.660028] clocksource/1: Time went backwards: delta=\u20139223012651229942015 shadow=214463864019492 offset=796007077', '[214469.660023] printk: 9970 messages suppressed.', '[ 9.0] watchdog_print_freq_timeout: 7 callbacks suppressed');
    expect(f.timeWarnings).toEqual([expect.objectContaining({ kind: 'xen-backwards', cpu: 1, deltaText: '-9223012651229942015', deltaNs: null })]);
    expect(f.suppressions.map((s) => [s.by, s.count])).toEqual([['printk', 9970], ['watchdog_print_freq_timeout', 7]]);
  });
  it('2.6.18-xen Timer ISR and 2.6 lost ticks (real: The Book of Xen, LKML 2006)', () => {
    const f = parse('Timer ISR/0: Time went backwards: delta=-118088543 delta_cpu=25911457 shadow=157034917204 off=452853530 processed=157605639580 cpu_processed=157461639580', 'time.c: Lost 3 timer tick(s)! rip __do_softirq+0x47/0xd1', 'Losing too many ticks!', 'TSC cannot be used as a timesource.');
    expect(f.timeWarnings.map((w) => [w.kind, w.cpu, w.deltaNs, w.ticks])).toEqual([['timer-isr-backwards', 0, -118088543, null], ['lost-ticks', null, null, 3], ['tsc-not-timesource', null, null, null], ['tsc-not-timesource', null, null, null]]);
  });
});

describe('the rule table', () => {
  it('every rule declares literals, and a line it matches contains one of them', () => {
    for (const r of KERNEL_LOG_RULES) {
      expect(r.needs.length, r.id).toBeGreaterThan(0);
      expect(r.needs.every((l) => l.length >= 3), r.id).toBe(true);
    }
    expect(new Set(KERNEL_LOG_RULES.map((r) => r.id)).size).toBe(KERNEL_LOG_RULES.length);
    expect(KERNEL_LOG_LITERALS.length).toBeGreaterThan(50);
    expect(new Set(KERNEL_LOG_LITERALS).size).toBe(KERNEL_LOG_LITERALS.length);
  });
  it('screening by the literals loses no fact of any corpus log (the literal screen is exact)', () => {
    const dir = path.join(ROOT, 'test', 'fixtures', 'dmesg');
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.txt'))) {
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      // A screen must also pass indented lines: they may continue a wrapped message.
      const kept = text.split('\n').map((l) => (KERNEL_LOG_LITERALS.some((x) => l.includes(x)) || /^\s/.test(l) ? l : '')).join('\n');
      const a = parseText(createKernelLogParser(file), text);
      const b = parseText(createKernelLogParser(file), kept);
      // Lines that match no literal only ever count for their prefix and the boot tracker's stamps.
      expect({ ...b, format: a.format, boots: a.boots, wholeBoot: a.wholeBoot }, file).toEqual({ ...a, format: a.format, boots: a.boots, wholeBoot: a.wholeBoot });
    }
  });
  it('no function of the kernel-log folder or the TSC rules is longer than 150 lines', () => {
    const files = [
      ...fs.readdirSync(path.join(ROOT, 'agent', 'evidence', 'kernel-log')).map((f) => path.join('agent', 'evidence', 'kernel-log', f)),
      ...['clocksource', 'tsc-evidence', 'tsc-sync', 'tsc-watchdog', 'kernel-time'].map((f) => path.join('analyzers', `${f}.ts`)),
    ];
    for (const rel of files) {
      const lines = fs.readFileSync(path.join(ROOT, rel), 'utf8').split('\n');
      let start = -1;
      lines.forEach((l, i) => {
        if (/^(?:export )?(?:async )?function \w/.test(l)) start = i;
        else if (start >= 0 && l === '}') { expect(i - start, `${rel}:${start + 1}`).toBeLessThanOrEqual(150); start = -1; }
      });
    }
  });
});
