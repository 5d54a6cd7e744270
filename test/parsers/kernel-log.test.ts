/**
 * Kernel log parser, line by line: every prefix shape, every era of the messages we read. Lines marked
 * "real" are verbatim from published logs quoted in docs/formats.md §1 (or the corpus); "synth" ones
 * are built from the kernel's format string.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createKernelLogParser, looksLikeKernelLog, registrationHz } from '../../agent/evidence/kernel-log/parser.js';
import { splitPrefix } from '../../agent/evidence/kernel-log/prefix.js';
import { mhzToKhz } from '../../agent/util/numbers.js';
import { parseText } from '../../agent/evidence/text/lines.js';
import { ParseError } from '../../agent/errors.js';

const parse = (...lines: string[]) => parseText(createKernelLogParser('t'), lines.join('\n'));

describe('prefix zoo', () => {
  const cases: [string, string, number | null, string][] = [
    ['[    0.000004] tsc: Detected 1704.004 MHz processor', 'dmesg', 0.000004, 'tsc: Detected 1704.004 MHz processor'],
    ['[    0.000000][    T0] Hypervisor detected: KVM', 'dmesg', 0, 'Hypervisor detected: KVM'],
    ['[  233.100000] [  T233] TSC found unstable after boot, most likely due to broken BIOS. Use \'tsc=unstable\'.', 'dmesg', 233.1, "TSC found unstable after boot, most likely due to broken BIOS. Use 'tsc=unstable'."],
    ['6,339,5140900,-;clocksource: Switched to clocksource tsc', 'kmsg', 5.1409, 'clocksource: Switched to clocksource tsc'],
    ['6,340,5140901,-,caller=T1;tsc: Refined TSC clocksource calibration: 3695.998 MHz', 'kmsg', 5.140901, 'tsc: Refined TSC clocksource calibration: 3695.998 MHz'],
    ['<6>[    0.000000] Hypervisor detected: KVM', 'dmesg-raw', 0, 'Hypervisor detected: KVM'],
    ['kern  :info  : [    0.000000] Hypervisor detected: KVM', 'dmesg-x', 0, 'Hypervisor detected: KVM'],
    ['[Tue Jan 14 11:50:08 2020] clocksource: Switched to clocksource tsc', 'dmesg-ctime', null, 'clocksource: Switched to clocksource tsc'],
    ['[    1.506488 <    0.000123>] tsc: Refined TSC clocksource calibration: 3695.998 MHz', 'dmesg', 1.506488, 'tsc: Refined TSC clocksource calibration: 3695.998 MHz'],
    ['Aug  9 22:56:34 travis-job-1 kernel: [    0.000000] kvm-clock: Using msrs 4b564d01 and 4b564d00', 'syslog', 0, 'kvm-clock: Using msrs 4b564d01 and 4b564d00'],
    ['Jun 11 20:15:39 hyperv kernel: clocksource: Switched to clocksource hyperv_clocksource_tsc_page', 'syslog', null, 'clocksource: Switched to clocksource hyperv_clocksource_tsc_page'],
    ['2025-06-04T18:22:27.212492+00:00 vm-1 kernel: clocksource: Switched to clocksource hyperv_clocksource_tsc_page', 'syslog', null, 'clocksource: Switched to clocksource hyperv_clocksource_tsc_page'],
    ['[    0.000000] host kernel: Hypervisor detected: KVM', 'journal', 0, 'Hypervisor detected: KVM'],
    ['[    0.000000] kernel: Hypervisor detected: KVM', 'journal', 0, 'Hypervisor detected: KVM'],
    ['Apr 10 12:58:05 kernel: [    0.237702] Switched to clocksource hpet', 'syslog', 0.237702, 'Switched to clocksource hpet'],
    ['Switching to clocksource kvm-clock', 'plain', null, 'Switching to clocksource kvm-clock'],
    ['\\[ 2.178455\\] tsc: Refined TSC clocksource calibration: 1895.613 MHz', 'dmesg', 2.178455, 'tsc: Refined TSC clocksource calibration: 1895.613 MHz'],
    ['> > [ 0.000000] Hypervisor detected: VMware', 'dmesg', 0, 'Hypervisor detected: VMware'],
    ['    [    0.000000] DMI: innotek GmbH VirtualBox/VirtualBox, BIOS VirtualBox 12/01/2006', 'dmesg', 0, 'DMI: innotek GmbH VirtualBox/VirtualBox, BIOS VirtualBox 12/01/2006'],
    ['[10831492.236785] Switched to clocksource xen', 'dmesg', 10831492.236785, 'Switched to clocksource xen'],
    ['2013-06-13T22:11:00,123456+01:00 Hypervisor detected: KVM', 'dmesg-ctime', null, 'Hypervisor detected: KVM'],
    ['[Di Jan 14 11:50:08 2020] Hypervisor detected: KVM', 'dmesg-ctime', null, 'Hypervisor detected: KVM'],
    ['[Feb10 09:11] Hypervisor detected: KVM', 'dmesg-ctime', null, 'Hypervisor detected: KVM'],
    ['[  +0.000004] clocksource: Switched to clocksource tsc', 'dmesg', null, 'clocksource: Switched to clocksource tsc'],
    ['2024-01-14T11:50:08+0100 host kernel: Hypervisor detected: KVM', 'syslog', null, 'Hypervisor detected: KVM'],
    ['Tue 2020-01-14 11:50:08 CET host kernel: Hypervisor detected: KVM', 'syslog', null, 'Hypervisor detected: KVM'],
    ['Jan 14 11:50:08 host kern.info kernel: [    1.500000] Hypervisor detected: KVM', 'syslog', 1.5, 'Hypervisor detected: KVM'],
    ['Jan 14 11:50:08.123456 host kernel: Hypervisor detected: KVM', 'syslog', null, 'Hypervisor detected: KVM'],
  ];
  for (const [line, shape, ts, msg] of cases) {
    it(`${shape}: ${line.slice(0, 50)}`, () => {
      const sp = splitPrefix(line);
      expect(sp.shape).toBe(shape);
      expect(sp.msg).toBe(msg);
      if (ts === null) expect(sp.ts).toBeNull();
      else expect(sp.ts).toBeCloseTo(ts, 6);
    });
  }

  it('reads the same facts from every shape of one line', () => {
    const shapes = cases.filter(([, , , msg]) => msg.includes('Switched to clocksource') || msg.includes('Switching'));
    for (const [line] of shapes) {
      const f = parse(line);
      expect(f.clocksourceSwitches).toHaveLength(1);
      expect(f.finalClocksource).toMatch(/^(tsc|hpet|xen|kvm-clock|hyperv_clocksource_tsc_page)$/);
    }
  });
});

describe('MHz to kHz', () => {
  it('is exact, from the digits', () => {
    expect(mhzToKhz('1995.308')).toBe(1995308);
    expect(mhzToKhz('4294.964')).toBe(4294964);
    expect(mhzToKhz('3400.109')).toBe(3400109);
    expect(mhzToKhz('2926.000')).toBe(2926000);
    expect(mhzToKhz('0.001')).toBe(1);
    expect(mhzToKhz('2400')).toBe(2400000);
    expect(mhzToKhz('1.2345')).toBe(1235);
    expect(mhzToKhz('abc')).toBeNull();
  });
  it('agrees with integer arithmetic on every 3-decimal value (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 9_999_999 }), fc.integer({ min: 0, max: 999 }), (mhz, frac) => {
      expect(mhzToKhz(`${mhz}.${String(frac).padStart(3, '0')}`)).toBe(mhz * 1000 + frac);
    }));
  });
});

describe('TSC rate and calibration', () => {
  it('reads detected, refined and the calibration path (real 5.x bare metal)', () => {
    const f = parse(
      '[    0.000000] tsc: Fast TSC calibration using PIT',
      '[    0.000000] tsc: Detected 3792.987 MHz processor',
      '[    1.460520] tsc: Refined TSC clocksource calibration: 3792.874 MHz',
    );
    expect(f.cpuDetectedKhz).toBe(3792987);
    expect(f.tscDetectedKhz).toBe(3792987);
    expect(f.tscRefinedKhz).toBe(3792874);
    expect(f.tscCalibration).toBe('pit');
    expect(f.refs.tscRefinedKhz?.line).toBe(3);
  });
  it('prefers "Detected N MHz TSC" for the TSC rate when cpu_khz differs', () => {
    const f = parse('[    0.000000] tsc: Detected 2400.113 MHz processor', '[    0.045000] tsc: Detected 2400.034 MHz TSC');
    expect(f.cpuDetectedKhz).toBe(2400113);
    expect(f.tscDetectedKhz).toBe(2400034);
  });
  it('2.6.32 wording without prefix and with trailing period', () => {
    const f = parse('Detected 2526.989 MHz processor.', 'Refined TSC clocksource calibration: 2526.961 MHz.');
    expect(f.tscDetectedKhz).toBe(2526989);
    expect(f.tscRefinedKhz).toBe(2526961);
    expect(f.format).toBe('plain');
  });
  it('reference calibration outranks the PIT', () => {
    expect(parse('[ 0.0] tsc: PIT calibration matches PMTIMER. 1 loops', '[ 0.0] tsc: Detected 1599.968 MHz processor').tscCalibration).toBe('pmtimer');
    expect(parse('TSC: PIT calibration matches HPET. 2 loops').tscCalibration).toBe('hpet');
    expect(parse('[ 0.0] tsc: using HPET reference calibration').tscCalibration).toBe('hpet');
  });
  it('VMware: the hypervisor rate (5.x prefix, 3.x without, 2.6.18 two-line form)', () => {
    const a = parse('[    0.000000] vmware: TSC freq read from hypervisor : 2496.003 MHz', '[    0.000000] tsc: Detected 2496.003 MHz processor');
    expect(a.tscFromHypervisorKhz).toBe(2496003);
    expect(a.tscCalibration).toBe('hypervisor');
    const b = parse('[    0.000000] TSC freq read from hypervisor : 3399.059 MHz');
    expect(b.tscFromHypervisorKhz).toBe(3399059);
    const c = parse('TSC: Frequency read from the hypervisor', 'Detected 3791.999 MHz processor.');
    expect(c.tscFromHypervisorKhz).toBe(3791999);
    expect(c.tscDetectedKhz).toBe(3791999);
  });
  it('does not repair a number wrapped across lines', () => {
    const f = parse('Feb 15 06:50:45 vlsj-ss kernel: [ 0.000000] TSC freq read from hypervisor : 2', '926.000 MHz');
    expect(f.tscFromHypervisorKhz).toBeNull();
  });
  it('kvm-clock guest: the rate came from kvm-clock, not a calibration', () => {
    const f = parse(
      '[    0.000000] Hypervisor detected: KVM',
      '[    0.000000] kvm-clock: Using msrs 4b564d01 and 4b564d00',
      '[    0.000003] tsc: Detected 4294.964 MHz processor',
    );
    expect(f.kvmClock).toBe(true);
    expect(f.tscCalibration).toBe('kvm-clock');
    expect(f.tscDetectedKhz).toBe(4294964);
    expect(f.tscFromHypervisorKhz).toBeNull();
  });
  it('finds messages glued after other text', () => {
    const f = parse('Running sysctl: tsc: Refined TSC clocksource calibration: 2199.993 MHz', 'ACPI: (supports S0 S1<6>Time: tsc clocksource has been installed.');
    expect(f.tscRefinedKhz).toBe(2199993);
    expect(f.finalClocksource).toBe('tsc');
  });
});

describe('platform lines', () => {
  it('VirtualBox with the KVM provider (real sequence)', () => {
    const f = parse(
      '[    0.000000] DMI: innotek GmbH VirtualBox/VirtualBox, BIOS VirtualBox 12/01/2006',
      '[    0.000000] Hypervisor detected: KVM',
      '[    0.000000] kvm-clock: cpu 0, msr 116e01001, primary cpu clock',
      '[    0.393580] Booting paravirtualized kernel on KVM',
      '[    0.466189] smpboot: CPU0: Intel(R) Core(TM) i7-4800MQ CPU @ 2.70GHz (fam: 06, model: 3c, stepping: 03)',
      '[    4.752554] systemd[1]: Detected virtualization oracle.',
      '[    0.035490] TSC deadline timer enabled',
      '[    0.350708] hpet0: 3 comparators, 64-bit 62.500000 MHz counter',
    );
    expect(f.dmi).toBe('innotek GmbH VirtualBox/VirtualBox, BIOS VirtualBox 12/01/2006');
    expect(f.hypervisor).toBe('KVM');
    expect(f.paravirtKernelOn).toBe('KVM');
    expect(f.cpuBrand).toBe('Intel(R) Core(TM) i7-4800MQ CPU @ 2.70GHz');
    expect(f.systemdVirtualization).toBe('oracle');
    expect(f.tscDeadlineTimer).toBe(true);
    expect(f.hpetHz).toBe(62_500_000);
  });
  it('keeps hypervisor names exactly as printed', () => {
    for (const name of ['VMware', 'Microsoft Hyper-V', 'KVM', 'Xen HVM', 'Xen PV', 'ACRN', 'Jailhouse']) {
      expect(parse(`[    0.000000] Hypervisor detected: ${name}`).hypervisor).toBe(name);
    }
  });
  it('2.6.32 brand line and uniprocessor brand line', () => {
    expect(parse('CPU0: Intel(R) Xeon(R) CPU           X3440  @ 2.53GHz stepping 05').cpuBrand).toBe('Intel(R) Xeon(R) CPU X3440 @ 2.53GHz');
    expect(parse('[    0.009790] CPU: Intel(R) Xeon(R) CPU E5-2620 v3 @ 2.40GHz (fam: 06, model: 3f, stepping: 02)').cpuBrand).toBe('Intel(R) Xeon(R) CPU E5-2620 v3 @ 2.40GHz');
    expect(parse('CPU0: Thermal monitoring enabled (TM1)').cpuBrand).toBeNull();
  });
  it('prefers the kernel-parsed command line', () => {
    const f = parse('[ 0.0] Command line: console=ttyS0 quiet', '[ 0.04] Kernel command line: mitigations=auto console=ttyS0 quiet');
    expect(f.commandLine).toBe('mitigations=auto console=ttyS0 quiet');
    expect(parse('[ 0.0] Command line: console=ttyS0 clocksource=hpet').commandLine).toBe('console=ttyS0 clocksource=hpet');
  });
});

describe('clocksources', () => {
  it('every switch wording, in order; final = last', () => {
    const f = parse(
      '[    9.151975] Time: acpi_pm clocksource has been installed.',
      'Switching to clocksource hpet',
      '\\[ 2.196032\\] Switched to clocksource tsc-early',
      '[    0.164107] clocksource: Switched to clocksource hyperv_clocksource_tsc_page',
    );
    expect(f.clocksourceSwitches.map((s) => s.to)).toEqual(['acpi_pm', 'hpet', 'tsc-early', 'hyperv_clocksource_tsc_page']);
    expect(f.clocksourceSwitches[2]?.atSeconds).toBeCloseTo(2.196032, 6);
    expect(f.finalClocksource).toBe('hyperv_clocksource_tsc_page');
    expect(f.refs.finalClocksource?.line).toBe(4);
  });
  it('registration lines and the implied rate (64-bit masks only)', () => {
    const f = parse(
      '[    0.000006] clocksource: kvm-clock: mask: 0xffffffffffffffff max_cycles: 0x1cd42e4dffb, max_idle_ns: 881590591483 ns',
      '[    0.186307] clocksource: tsc: mask: 0xffffffffffffffff max_cycles: 0x39a85c9bff6, max_idle_ns: 881590591483 ns',
      'clocksource: acpi_pm: mask: 0xffffff max_cycles: 0xffffff, max_idle_ns: 2085701024 ns',
    );
    expect(f.clocksourceRegistrations.map((r) => r.name)).toEqual(['kvm-clock', 'tsc', 'acpi_pm']);
    expect(Math.abs((f.clocksourceRegistrations[0]?.impliedHz ?? 0) - 1e9)).toBeLessThan(1000); // < 1 ppm
    expect(Math.abs((f.clocksourceRegistrations[1]?.impliedHz ?? 0) - 2e9)).toBeLessThan(2000);
    expect(f.clocksourceRegistrations[2]?.impliedHz).toBeNull();
    expect(registrationHz('ffffffff', 'ffffffff', 7645519600211568)).toBeNull();
  });
});

describe('TSC unstable', () => {
  const cases: [string, string][] = [
    ['[    0.000001] tsc: Marking TSC unstable due to running on Hyper-V', 'running on Hyper-V'],
    ['Marking TSC unstable due to check_tsc_sync_source failed', 'check_tsc_sync_source failed'],
    ["[  233.100000] TSC found unstable after boot, most likely due to broken BIOS. Use 'tsc=unstable'.", 'found unstable after boot'],
    ['Clocksource tsc unstable (delta = -2090960056 ns)', 'clocksource watchdog'],
    ["[26977.145667] clocksource: timekeeping watchdog: Marking clocksource 'tsc' as unstable because the skew is too large:", 'clocksource watchdog'],
  ];
  for (const [line, reason] of cases) {
    it(reason, () => {
      const f = parse(line);
      expect(f.tscUnstable).toBe(true);
      expect(f.tscUnstableEvents[0]?.reason).toBe(reason);
      expect(f.refs.tscUnstable?.line).toBe(1);
    });
  }
  it('is false with no such line; an hpet verdict is not a TSC one', () => {
    expect(parse('[ 0.0] clocksource: Switched to clocksource tsc').tscUnstable).toBe(false);
    expect(parse("clocksource: timekeeping watchdog: Marking clocksource 'hpet' as unstable because the skew is too large:").tscUnstable).toBe(false);
  });
  it('any other "Marking clocksource \'tsc\' as unstable" counts, but is no watchdog verdict', () => {
    // formats.md §0.7: this wording is fabricated (no kernel prints it), so no skew block is invented.
    const f = parse("clocksource: timekeeping watchdog: Marking clocksource 'tsc' as unstable because it ran backwards.");
    expect(f.watchdogVerdicts).toHaveLength(0);
    expect(f.tscUnstableEvents.map((e) => e.reason)).toEqual(['because it ran backwards']);
  });
  it('5.14+ read-back delay marking', () => {
    const f = parse('[  50.0] clocksource: timekeeping watchdog on CPU3: wd-tsc-wd excessive read-back delay of 1000000ns vs. limit of 125000ns, wd-wd read-back delay only 2000ns, attempt 3, marking tsc unstable');
    expect(f.tscUnstableEvents.map((e) => e.reason)).toEqual(['watchdog read-back delay']);
    expect(parse('clocksource: timekeeping watchdog on CPU3: wd-hpet-wd read-back delay of 1000000ns, attempt 3, marking hpet unstable').tscUnstable).toBe(false);
  });
  it('event lists are bounded and keep the latest switch', () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `[ ${i + 1}.000000] clocksource: Switched to clocksource ${i % 2 === 0 ? 'hpet' : 'tsc'}${i === 2999 ? '-last' : ''}`);
    const f = parse(...lines);
    expect(f.clocksourceSwitches).toHaveLength(1000);
    expect(f.finalClocksource).toBe('tsc-last');
    expect(f.clocksourceSwitches[0]?.to).toBe('hpet');
  });
});

describe('watchdog verdicts, eras A–E', () => {
  it('A: delta on one line', () => {
    const f = parse('[ 100.000000] Clocksource tsc unstable (delta = -2090960056 ns)');
    expect(f.watchdogVerdicts).toEqual([expect.objectContaining({ clocksource: 'tsc', watchdog: null, skewNs: -2090960056, cpu: null, atSeconds: 100 })]);
  });
  it('B: raw counters; skew computed when the watchdog is acpi_pm and the TSC rate is known', () => {
    const f = parse(
      'May  6 11:52:52 h kernel: [    0.000000] tsc: Detected 2000.000 MHz processor',
      "May  6 11:52:52 frontendlivingroom kernel: [26977.145667] clocksource: timekeeping watchdog: Marking clocksource 'tsc' as unstable because the skew is too large:",
      "May  6 11:52:52 frontendlivingroom kernel: [26977.145674] clocksource:                       'acpi_pm' wd_now: b79ba9 wd_last: 2b48e8 mask: ffffff",
      "May  6 11:52:52 frontendlivingroom kernel: [26977.145677] clocksource:                       'tsc' cs_now: 3b38b887b25f cs_last: 3b374676f961 mask: ffffffffffffffff",
    );
    const v = f.watchdogVerdicts[0];
    expect(f.watchdogVerdicts).toHaveLength(1);
    expect(v?.clocksource).toBe('tsc');
    expect(v?.watchdog).toBe('acpi_pm');
    // wd: 0x8c52c1 ticks / 3 579 545 Hz; cs: 0x17210b8fe ticks / 2 GHz.
    const wd = Math.round((0x8c52c1 * 1e9) / 3579545);
    const cs = Math.round((0x3b38b887b25f - 0x3b374676f961) * 1e9 / 2e9);
    expect(v?.intervalNs).toBe(wd);
    expect(v?.skewNs).toBe(cs - wd);
  });
  it('B: an hpet watchdog is converted with the rate the log printed, and not at all without it', () => {
    const block = [
      '[    0.000000] tsc: Detected 3400.109 MHz processor',
      "[  300.000000] clocksource: timekeeping watchdog on CPU1: Marking clocksource 'tsc' as unstable because the skew is too large:",
      "[  300.000001] clocksource:                       'hpet' wd_now: 2faf080 wd_last: 0 mask: ffffffff",
      "[  300.000002] clocksource:                       'tsc' cs_now: 6553c1c8 cs_last: 0 mask: ffffffffffffffff",
    ];
    expect(parse(...block).watchdogVerdicts[0]?.skewNs).toBeNull();
    const f = parse('[    0.300000] hpet0: 3 comparators, 64-bit 100.000000 MHz counter', ...block);
    // wd: 50 000 000 ticks at 100 MHz = 0.5 s; cs: 0x6553c1c8 = 1 700 020 168 ticks at 3 400 109 kHz.
    expect(f.watchdogVerdicts[0]?.intervalNs).toBe(500_000_000);
    expect(f.watchdogVerdicts[0]?.skewNs).toBe(Math.round((0x6553c1c8 * 1e9) / 3_400_109_000) - 500_000_000);
  });
  it('C: CPU number in the first line', () => {
    const f = parse("[ 5.0] clocksource: timekeeping watchdog on CPU3: Marking clocksource 'tsc' as unstable because the skew is too large:");
    expect(f.watchdogVerdicts[0]?.cpu).toBe(3);
  });
  it('D: nanoseconds printed, with the wd_nesc typo; skew = cs_nsec − wd_nsec', () => {
    const f = parse(
      "[  152.5] clocksource: timekeeping watchdog on CPU1: Marking clocksource 'tsc' as unstable because the skew is too large:",
      "[  152.5] clocksource:                       'hpet' wd_nesc: 505192062 wd_now: 10657158 wd_last: fac6f97 mask: ffffffff",
      "[  152.5] clocksource:                       'tsc' cs_nsec: 503155876 cs_now: 9a306c9b808c cs_last: 9a302c9e30ba mask: ffffffffffffffff",
      "[  152.5] clocksource:                       'tsc' is current clocksource.",
      '[  152.5] tsc: Marking TSC unstable due to clocksource watchdog',
    );
    expect(f.watchdogVerdicts).toEqual([expect.objectContaining({ watchdog: 'hpet', wdNsec: 505192062, csNsec: 503155876, skewNs: 503155876 - 505192062, intervalNs: 505192062, cpu: 1 })]);
    // The follow-up "Marking TSC unstable" is the same incident, not a second one.
    expect(f.tscUnstableEvents).toHaveLength(1);
  });
  it('E: the printed skew (real 6.x block)', () => {
    const f = parse(
      "[  152.550000] clocksource: timekeeping watchdog on CPU0: Marking clocksource 'tsc' as unstable because the skew is too large:",
      "[  152.557154] clocksource:                       'xen' wd_nsec: 511979417 wd_now: 24e4d7625e wd_last: 24c65332c5 mask: ffffffffffffffff",
      "[  152.566197] clocksource:                       'tsc' cs_nsec: 512468734 cs_now: 9a306c9b808c cs_last: 9a302c9e30ba mask: ffffffffffffffff",
      "[  152.572319] clocksource:                       Clocksource 'tsc' skewed 489317 ns (0 ms) over watchdog 'xen' interval of 511979417 ns (511 ms)",
      "[  152.578067] clocksource:                       'tsc' is current clocksource.",
      '[  152.581023] tsc: Marking TSC unstable due to clocksource watchdog',
    );
    expect(f.watchdogVerdicts).toEqual([expect.objectContaining({
      clocksource: 'tsc', watchdog: 'xen', skewNs: 489317, intervalNs: 511979417, wdNsec: 511979417, csNsec: 512468734, atSeconds: 152.55, line: 1,
    })]);
    expect(f.tscUnstable).toBe(true);
  });
  it('negative skew', () => {
    const f = parse(
      "clocksource: timekeeping watchdog on CPU2: Marking clocksource 'tsc' as unstable because the skew is too large:",
      "clocksource:                       Clocksource 'tsc' skewed -874087 ns (0 ms) over watchdog 'hpet' interval of 499999000 ns (499 ms)",
    );
    expect(f.watchdogVerdicts[0]?.skewNs).toBe(-874087);
  });
});

describe('boots', () => {
  it('counts boots and keeps facts from the last one (Linux version)', () => {
    const f = parse(
      'Jan 13 01:10:37 ubuntu kernel: [    0.000000] Linux version 3.2.0-29-generic-pae (buildd@roseapple)',
      'Jan 13 01:10:37 ubuntu kernel: [    0.000000] TSC freq read from hypervisor : 3399.059 MHz',
      'Jan 13 01:10:37 ubuntu kernel: [    0.387569] Switching to clocksource tsc',
      'Jan 13 10:19:37 ubuntu kernel: [    0.000000] Initializing cgroup subsys cpuset',
      'Jan 13 10:19:37 ubuntu kernel: [    0.000000] Linux version 3.2.0-29-generic-pae (buildd@roseapple)',
      'Jan 13 10:19:37 ubuntu kernel: [    0.004000] TSC freq read from hypervisor : 3399.049 MHz',
    );
    expect(f.boots).toBe(2);
    expect(f.tscFromHypervisorKhz).toBe(3399049);
    expect(f.clocksourceSwitches).toEqual([]);
    expect(f.finalClocksource).toBeNull();
  });
  it('a stamp back at zero starts a boot even without "Linux version" (truncated ring buffer)', () => {
    const f = parse('[    2.0] clocksource: Switched to clocksource hpet', '[    0.000000] tsc: Detected 2000.000 MHz processor', '[    0.5] clocksource: Switched to clocksource tsc');
    expect(f.boots).toBe(2); // the leading fragment said something (a switch), so it counts
    expect(f.finalClocksource).toBe('tsc');
    expect(f.clocksourceSwitches).toHaveLength(1);
  });
  it('secondary-CPU stamps going backwards are not a new boot', () => {
    const f = parse('[    0.466189] smpboot: CPU0: AMD Ryzen 5 3500U', '[    0.016733] kvm-clock: cpu 1, msr 8f1e8041, secondary cpu clock', '[    0.582832] clocksource: Switched to clocksource kvm-clock');
    expect(f.boots).toBe(1);
    expect(f.cpuBrand).toBe('AMD Ryzen 5 3500U');
  });
  it('journalctl boot separators', () => {
    const f = parse(
      '-- Logs begin at Mon 2020-01-13 10:00:00 CET, end at Tue 2020-01-14 12:00:00 CET. --',
      'Jan 13 10:00:00 host kernel: clocksource: Switched to clocksource hpet',
      '-- Reboot --',
      'Jan 14 11:50:08 host kernel: Linux version 5.15.0 (x)',
      'Jan 14 11:50:08 host kernel: clocksource: Switched to clocksource tsc',
    );
    expect(f.boots).toBe(2);
    expect(f.clocksourceSwitches.map((s) => s.to)).toEqual(['tsc']);
  });
  it('a second "Command line:" starts a boot', () => {
    const f = parse('Command line: ro quiet', 'Switching to clocksource hpet', 'Command line: ro quiet clocksource=tsc');
    expect(f.boots).toBe(2);
    expect(f.commandLine).toBe('ro quiet clocksource=tsc');
    expect(f.finalClocksource).toBeNull();
  });
});

describe('/dev/kmsg records', () => {
  it('skips continuation lines and reads the message', () => {
    const f = parse(
      '6,339,5140900,-;clocksource: Switched to clocksource tsc',
      ' SUBSYSTEM=clocksource',
      ' DEVICE=+clocksource:clocksource0',
    );
    expect(f.format).toBe('kmsg');
    expect(f.finalClocksource).toBe('tsc');
    expect(f.clocksourceSwitches[0]?.atSeconds).toBeCloseTo(5.1409, 6);
  });
});

describe('VBoxService time-sync lines forwarded into the kernel log', () => {
  it('radical guest change with the double timestamp (real, 6.x pad)', () => {
    const f = parse('[26267.448008] 17:01:19.979820 timesync vgsvcTimeSyncWorker: Radical guest time change: 73 879 510 734 000ns (GuestNow=1 637 168 479 979 807 000 ns GuestLast=1 637 094 600 469 073 000 ns fSetTimeLastLoop=true )');
    expect(f.timeSync).toEqual([expect.objectContaining({ kind: 'radical-guest-change', deltaNs: 73879510734000, atSeconds: 26267.448008, line: 1 })]);
  });
  it('7.x syslog shape and a negative delta', () => {
    const f = parse(
      'Jun 19 09:48:57 vbox kernel: 09:48:57.829235 timesync vgsvcTimeSyncWorker: Radical guest time change: 62 007 277 670 000ns (GuestNow=1 781 862 537 829 191 000 ns GuestLast=1 781 800 530 551 521 000 ns fSetTimeLastLoop=true)',
      '[ 5.0] 10:00:00.000000 timesync vgsvcTimeSyncWorker: Radical host time change: -14 387 957 862 000ns (HostNow=1 ns HostLast=2 ns)',
    );
    expect(f.timeSync.map((t) => [t.kind, t.deltaNs])).toEqual([['radical-guest-change', 62007277670000], ['radical-host-change', -14387957862000]]);
  });
  it('several messages glued on one line all count; Hyper-V TimeSync is not VBoxService', () => {
    const f = parse(
      '[ 9.0] 10:00:00.000000 timesync vgsvcTimeSyncWorker: Radical host time change: 4 550 414 000 000ns (HostNow=1 ns HostLast=2 ns) 10:00:00.000001 timesync vgsvcTimeSyncWorker: Radical guest time change: 4 550 414 000 000ns (GuestNow=1 ns GuestLast=2 ns fSetTimeLastLoop=true)',
      '[ 9.5] hv_utils: TimeSync IC version 4.0',
      '[ 9.6] 10:00:01.000000 timesync vgsvcTimeSyncAdjust: adjtime by 12 345 ns',
    );
    expect(f.timeSync.map((t) => [t.kind, t.deltaNs, t.line])).toEqual([
      ['radical-host-change', 4550414000000, 1], ['radical-guest-change', 4550414000000, 1], ['adjtime', 12345, 3],
    ]);
  });
  it('a "Linux version" inside a VBoxService line is not a boot', () => {
    const f = parse('[ 1.0] Linux version 5.4.0 (x)', '[ 9.0] 10:00:00.000000 main vgsvc... Linux version 5.4.0', '[ 9.1] clocksource: Switched to clocksource tsc');
    expect(f.boots).toBe(1);
  });
});

describe('looksLikeKernelLog', () => {
  it('says yes to every shape of kernel log', () => {
    expect(looksLikeKernelLog('[    0.000000] Linux version 6.1.0 (x)\n[    0.000000] Command line: ro\n[    0.000000] x86/fpu: x\n')).toBe(true);
    expect(looksLikeKernelLog('Linux version 2.6.32-279.el6.x86_64 (mockbuild@x)\nCommand line: ro\nBIOS-provided physical RAM map:\n BIOS-e820: 0 - 1\n')).toBe(true);
    expect(looksLikeKernelLog('6,1,0,-;Linux version 6.13 (x)\n6,2,0,-;Command line: ro\n6,3,5,-;x\n')).toBe(true);
  });
  it('says no to VBox.log, prose and one-line /proc/version', () => {
    expect(looksLikeKernelLog('00:00:00.000000 VirtualBox VM 5.0.6 r103037 win.amd64 (Sep 23 2015 05:55:52) release log\n00:00:00.000000 Log opened 2016\n00:00:01.000000 [   12.000] clocksource: Switched to clocksource tsc\n')).toBe(false);
    expect(looksLikeKernelLog('Dear support,\nthe clock is slow.\nThanks\n')).toBe(false);
    expect(looksLikeKernelLog('Linux version 6.18.44-fc-v669 (builder@sandboxing) (gcc (GCC) 15.3.0) #1 SMP\n')).toBe(false);
    expect(looksLikeKernelLog('')).toBe(false);
  });
});

describe('robustness (property)', () => {
  it('never throws on arbitrary text, and facts stay well-formed', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom(
      '[    0.000000] Linux version 5.4.0',
      "clocksource:                       'tsc' cs_nsec: 1 cs_now: 1 cs_last: 0 mask: ff",
      "clocksource: timekeeping watchdog on CPU0: Marking clocksource 'tsc' as unstable because the skew is too large:",
      '[ 0.0] tsc: Detected 99999999999.999 MHz processor',
      '6,1,0,-;',
      '\\[\\]',
    )), { maxLength: 30 }), (lines) => {
      const f = parse(...lines);
      expect(f.boots).toBeGreaterThanOrEqual(1);
      expect(f.tscUnstable).toBe(f.tscUnstableEvents.length > 0);
    }), { numRuns: 300 });
  });
  it('never throws on arbitrary bytes decoded as UTF-8', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
      try {
        parseText(createKernelLogParser('t'), Buffer.from(bytes).toString('utf8'));
      } catch (e) {
        expect(e).toBeInstanceOf(ParseError);
      }
    }), { numRuns: 200 });
  });
});
