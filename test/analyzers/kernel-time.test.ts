/** Xen time going backwards and 2.6-era lost ticks: never called harmless, fixed where they run. */
import { describe, expect, it } from 'vitest';
import { byId, findingsOf, klog, klogFile, words } from './kernel-helpers.js';

// Real, icaci.info "The day that time stood still" (a xenified Ubuntu 2.6.22 dom0); the dashes are U+2013 as posted.
const YEAR_2301 = [
  '[214464.660028] clocksource/1: Time went backwards: delta=\u20139223012651229942015 shadow=214463864019492 offset=796007077',
  '[214469.660023] printk: 9970 messages suppressed.',
  '[214469.660030] clocksource/4: Time went backwards: delta=\u20139223012646229940943 shadow=214468860019731 offset=800008116',
  '[214474.660035] printk: 10051 messages suppressed.',
];

describe('XEN_TIME_WENT_BACKWARDS', () => {
  it('a −2^63 delta repeated ~2000 times a second: critical, jiffies now, then a fixed kernel', () => {
    const k = klog(...YEAR_2301);
    expect(k.timeWarnings.map((w) => [w.kind, w.cpu, w.deltaText, w.deltaNs])).toEqual([
      ['xen-backwards', 1, '-9223012651229942015', null],
      ['xen-backwards', 4, '-9223012646229940943', null],
    ]);
    const f = byId(findingsOf({ kernelLog: k }), 'XEN_TIME_WENT_BACKWARDS')!;
    expect(f).toMatchObject({ severity: 'critical', data: { wrap: true, messages: 20023, perSecond: 2002, cpus: '1,4' } });
    expect(f.fixes[0]).toMatchObject({ action: { kind: 'set-clocksource', clocksource: 'jiffies' } });
    expect(words(f)).toMatch(/clocksource=jiffies xen\.independent_wallclock=1/);
    expect(words(f)).toMatch(/fixed kernel/);
    expect(words(f)).not.toMatch(/\bis harmless|can (?:be )?(?:safely )?ignored|safe to ignore/i);
    expect(f.evidence.map((e) => e.line)).toEqual([1, 3, 2, 4]);
  });

  it('one small delta (real, mail-wrapped, The Book of Xen): a warning, a current kernel, no jiffies', () => {
    const f = byId(findingsOf({ kernelLog: klogFile('dmesg/pasted-guest-xen-hvm-centos5-timer-isr-backwards-wrapped.txt') }), 'XEN_TIME_WENT_BACKWARDS')!;
    expect(f).toMatchObject({ severity: 'warning', data: { wrap: false } });
    expect(f.title).toContain('118.1 ms on CPU 0');
    expect(words(f)).not.toMatch(/jiffies/);
  });
});

describe('LEGACY_LOST_TICKS (real: an Ubuntu forum post of 2005)', () => {
  it('a warning; fixes for either kind of machine when nothing says which', () => {
    const f = byId(findingsOf({ kernelLog: klogFile('dmesg/pasted-baremetal-ubuntu-2.6-losing-ticks-cpufreq-syslog.txt') }), 'LEGACY_LOST_TICKS')!;
    expect(f).toMatchObject({ severity: 'warning' });
    expect(f.fixes.map((x) => x.where)).toEqual(['guest', 'host']);
    expect(words(f)).toMatch(/clock=pmtmr/);
  });
  it('a guest gets the guest fix only', () => {
    const f = byId(findingsOf({ kernelLog: klog('[    0.0] Hypervisor detected: VMware', '[  699.0] Losing some ticks... checking if CPU frequency changed.') }), 'LEGACY_LOST_TICKS')!;
    expect(f.fixes.map((x) => x.where)).toEqual(['guest']);
  });
});
