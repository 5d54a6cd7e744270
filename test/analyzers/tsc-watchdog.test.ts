/**
 * Watchdog demotions that are not what they look like, and the one rule every TSC finding keeps:
 * `tsc=reliable` only where the evidence shows the TSC good and the demotion came from the watchdog's
 * reference — and never as the first answer for a guest that has its paravirtual clock.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byId, findingsOf, klog, klogFile, TRUST_TSC, words } from './kernel-helpers.js';
import { cpuinfo, facts, kernelLog } from './helpers.js';
import { assessTsc } from '../../analyzers/tsc-evidence.js';
import { derive } from '../../agent/derive/index.js';
import { runAnalyzers } from '../../analyzers/index.js';
import type { ClocksourceFacts } from '../../agent/facts.js';

const sysfs = (current: string | null, available: string[]): ClocksourceFacts => ({
  path: 'clocksource', refs: {}, current, available, devices: [{ device: '0', current, available }],
});

// Real, Mellanox/mkt pull request 74 (an L2 guest under nested QEMU); the delay is cut off as posted.
const NESTED = [
  ' clocksource: timekeeping watchdog on CPU6: hpet read-back delay of 5252e',
  ' tsc: Marking TSC unstable due to clocksource watchdog',
  " TSC found unstable after boot, most likely due to broken BIOS. Use 'tsc=unstable'.",
  ' clocksource: Switched to clocksource hpet',
];

describe('TSC_WATCHDOG_REFERENCE', () => {
  it('a read-back delay of the watchdog\'s hpet demoted a TSC nothing shows bad: warning; tsc=reliable only with its risk', () => {
    const fs = findingsOf({ kernelLog: klog(...NESTED) });
    const f = byId(fs, 'TSC_WATCHDOG_REFERENCE')!;
    expect(f).toMatchObject({ severity: 'warning', data: { demoted: true, tscGood: true } });
    expect(words(f)).toMatch(/could not read hpet in time/);
    const trust = f.fixes.find((x) => /tsc=reliable/.test(x.summary))!;
    expect(trust.summary).toMatch(/only if .* The risk:/i);
    expect(f.fixes.indexOf(trust)).toBe(f.fixes.length - 1);
    expect(byId(fs, 'TSC_UNSTABLE')).toBeUndefined();
  });

  it('role unknown: the boot-line fix is this machine\'s (the guest if a VM), never labelled a hypervisor-host fix', () => {
    const f = byId(findingsOf({ kernelLog: klog(...NESTED) }), 'TSC_WATCHDOG_REFERENCE')!;
    expect(f.data).toMatchObject({ role: 'unknown' });
    const trust = f.fixes.find((x) => /tsc=reliable/.test(x.summary))!;
    expect(trust.where).toBe('guest');
    expect(trust.summary).toMatch(/^On the machine this log is from \(the guest, if it is a VM\)/);
    expect(f.fixes.find((x) => x.where === 'host')!.summary).toMatch(/If this machine is a VM/);
  });

  it('on bare metal the boot-line fix stays the machine\'s own (where: host), worded without the VM hedge', () => {
    const f = byId(findingsOf({ kernelLog: klog(...NESTED), cpuinfo: cpuinfo({ hypervisorFlag: false }) }), 'TSC_WATCHDOG_REFERENCE')!;
    expect(f.data).toMatchObject({ role: 'bare-metal' });
    const trust = f.fixes.find((x) => /tsc=reliable/.test(x.summary))!;
    expect(trust.where).toBe('host');
    expect(trust.summary).toMatch(/^Only if this TSC is known good/);
  });

  it('a guest with kvm-clock: the paravirtual clock comes first', () => {
    const f = byId(findingsOf({ kernelLog: klog('[    0.000000] Hypervisor detected: KVM', ...NESTED), clocksource: sysfs('hpet', ['kvm-clock', 'tsc', 'hpet', 'acpi_pm']) }), 'TSC_WATCHDOG_REFERENCE')!;
    expect(f.fixes[0]).toMatchObject({ where: 'guest', action: { kind: 'set-clocksource', clocksource: 'kvm-clock' } });
  });

  it('a jiffies watchdog that lost ticks (real, mail-wrapped: projectacrn/acrn-kernel pull request 257)', () => {
    const f = byId(findingsOf({ kernelLog: klogFile('dmesg/pasted-guest-acrn-tsc-early-refined-jiffies-watchdog-wrapped.txt') }), 'TSC_WATCHDOG_REFERENCE')!;
    expect(words(f)).toMatch(/refined-jiffies, which only counts timer interrupts/);
  });

  it('timeouts and skipped checks without a demotion: info (real: au-ts/libvmm 389, coolsnowwolf/lede 9028)', () => {
    for (const rel of ['dmesg/pasted-guest-nested-qemu-hpet-read-timed-out.txt', 'dmesg/pasted-guest-openwrt-unraid-wd-wd-read-back-skipped.txt']) {
      const f = byId(findingsOf({ kernelLog: klogFile(rel) }), 'TSC_WATCHDOG_REFERENCE')!;
      expect(f, rel).toMatchObject({ severity: 'info', data: { demoted: false } });
      expect(words(f)).not.toMatch(TRUST_TSC);
    }
  });

  it('a TSC that went backwards is never called likely fine, even when the reference was slow too', () => {
    const fs = findingsOf({ kernelLog: klog(
      '[ 10.0] clocksource: timekeeping watchdog on CPU6: hpet read-back delay of 4296200ns, attempt 4, marking unstable',
      "[ 20.0] clocksource: timekeeping watchdog on CPU1: Marking clocksource 'tsc' as unstable because the skew is too large:",
      "[ 20.0] clocksource:                       'tsc' cs_now: 1b6861d00 cs_last: 21d7172f2b8c4 mask: ffffffffffffffff",
    ) });
    expect(byId(fs, 'TSC_WATCHDOG_REFERENCE')).toBeUndefined();
    expect(byId(fs, 'TSC_UNSTABLE')?.detail).toMatch(/read lower than at the previous check: it jumped/);
    expect(words(fs)).not.toMatch(TRUST_TSC);
  });

  it('a TSC that also warped is never trusted, whatever the watchdog said', () => {
    const fs = findingsOf({ kernelLog: klog('Measured 7309500619 cycles TSC warp between CPUs, turning off TSC clock.', ...NESTED) });
    expect(byId(fs, 'TSC_SYNC_FAILED')).toBeDefined();
    expect(byId(fs, 'TSC_WATCHDOG_REFERENCE')).toBeUndefined();
    expect(words(fs)).not.toMatch(TRUST_TSC);
  });
});

describe('TSC_DEMOTED_NOT_IN_USE (real: QubesOS/qubes-issues 2044, a Xen PV domU)', () => {
  it('the TSC demoted while the domU keeps time on xen: info, harmless, no advice to trust the TSC', () => {
    const k = klog(
      '[    0.000000] clocksource xen: mask: 0xffffffffffffffff max_cycles: 0x1cd42e4dffb, max_idle_ns: 881590591483 ns',
      '[    0.149025] Switched to clocksource xen',
      "[271095.072610] timekeeping watchdog: Marking clocksource 'tsc' as unstable, because the skew is too large:",
      "[271095.072619]         'xen' wd_now: f6aa707c0c8f wd_last: f6a8d4762faa mask: ffffffffffffffff",
      "[271095.072624]         'tsc' cs_now: 1b6861d00 cs_last: 21d7172f2b8c4 mask: ffffffffffffffff",
    );
    expect(k.watchdogVerdicts[0]).toMatchObject({ watchdog: 'xen', backwards: 'clocksource', skewNs: null });
    const fs = findingsOf({ kernelLog: k });
    const f = byId(fs, 'TSC_DEMOTED_NOT_IN_USE')!;
    expect(f).toMatchObject({ severity: 'info', data: { current: 'xen', tscBackwards: true } });
    expect(f.title).toMatch(/xen clocksource.*harmless/);
    expect(fs.map((x) => x.id)).toEqual(['TSC_DEMOTED_NOT_IN_USE']);
    expect(words(fs)).not.toMatch(TRUST_TSC);
  });
  it('6.x says which clocksource is current in the verdict itself', () => {
    const k = klog(
      "[  152.5] clocksource: timekeeping watchdog on CPU1: Marking clocksource 'tsc' as unstable because the skew is too large:",
      "[  152.5] clocksource:                       'xen' wd_nsec: 511979417 wd_now: 24e4d7625e wd_last: 24c65332c5 mask: ffffffffffffffff",
      "[  152.5] clocksource:                       'tsc' cs_nsec: 512468734 cs_now: 9a306c9b808c cs_last: 9a302c9e30ba mask: ffffffffffffffff",
      "[  152.5] clocksource:                       'xen' (not 'tsc') is current clocksource.",
    );
    expect(k.watchdogVerdicts[0]?.currentAtVerdict).toBe('xen');
    expect(byId(findingsOf({ kernelLog: k }), 'TSC_DEMOTED_NOT_IN_USE')).toBeDefined();
  });
});

describe('GUEST_RAW_TSC_UNSTABLE (real: liquidat.wordpress.com, a CentOS KVM guest)', () => {
  it('raw TSC rejected, kvm-clock unused, and a RHEL kernel that will not fail over', () => {
    const fs = findingsOf({
      kernelLog: klog('Clocksource tsc unstable (delta = -102057770 ns).  Enable clocksource failover by adding clocksource_failover kernel parameter.'),
      clocksource: sysfs(null, ['kvm-clock', 'tsc', 'hpet', 'acpi_pm']),
    });
    const f = byId(fs, 'GUEST_RAW_TSC_UNSTABLE')!;
    expect(f).toMatchObject({ severity: 'warning', data: { pvClock: 'kvm-clock', failoverDisabled: true } });
    expect(f.fixes[0]).toMatchObject({ where: 'guest', action: { kind: 'set-clocksource', clocksource: 'kvm-clock' } });
    expect(words(f)).toMatch(/clocksource=kvm-clock/);
    expect(words(f)).toMatch(/clocksource_failover/);
    expect(words(fs)).not.toMatch(TRUST_TSC);
  });
});

describe('no advice to trust a TSC the evidence does not show good (property, seed 7)', () => {
  const line = fc.constantFrom(
    'Measured 165 cycles TSC warp between CPUs, turning off TSC clock.',
    'TSC warped randomly between CPUs',
    '[ 10.0] clocksource: timekeeping watchdog on CPU6: hpet read-back delay of 4296200ns, attempt 4, marking unstable',
    '[ 10.0] tsc: Marking TSC unstable due to clocksource watchdog',
    "[ 20.0] clocksource: timekeeping watchdog on CPU1: Marking clocksource 'tsc' as unstable because the skew is too large:",
    "[ 20.0] clocksource:                       'hpet' wd_now: 10657158 wd_last: fac6f97 mask: ffffffff",
    "[ 20.0] clocksource:                       'tsc' cs_now: 1b6861d00 cs_last: 21d7172f2b8c4 mask: ffffffffffffffff",
    '[ 30.0] Clocksource tsc unstable (delta = -102057770 ns)',
    '[ 0.1] clocksource: Switched to clocksource tsc',
    '[ 0.1] clocksource: Switched to clocksource kvm-clock',
    '[ 0.0] Hypervisor detected: KVM',
    '[ 0.0] tsc: Marking TSC unstable due to running on Hyper-V',
    '[ 40.0] PM: suspend exit',
    '[ 0.2] [Firmware Bug]: TSC ADJUST: CPU0: -2890785364 force to 0',
  );
  it('holds for any mix of these lines', () => {
    fc.assert(fc.property(fc.array(line, { maxLength: 10 }), (lines) => {
      const f = facts({ kernelLog: klog(...lines) });
      const d = derive(f);
      const a = assessTsc(f, d)!;
      const found = runAnalyzers(f, d).findings;
      if (!a.tscGood) expect(words(found)).not.toMatch(TRUST_TSC);
      if (a.warps.length > 0 || a.tscBackwards) expect(words(found)).not.toMatch(TRUST_TSC);
      for (const x of found) {
        expect(x.evidence.length).toBeGreaterThan(0);
        expect(x.fixes.length).toBeGreaterThan(0);
      }
      // One cause owns a demotion: never two of the rules that explain it.
      const owners = found.filter((x) => ['TSC_SYNC_FAILED', 'TSC_WATCHDOG_REFERENCE', 'TSC_DEMOTED_NOT_IN_USE', 'GUEST_RAW_TSC_UNSTABLE', 'TSC_UNSTABLE'].includes(x.id));
      expect(owners.length).toBeLessThanOrEqual(1);
    }), { numRuns: 400, seed: 7 });
  });
  it('an empty kernel log has no TSC story to tell', () => {
    expect(assessTsc(facts({ kernelLog: kernelLog() }), derive(facts({ kernelLog: kernelLog() })))?.owner).toBeNull();
  });
});

describe('TSC_RELIABLE_IGNORED_FOR_TSC_EARLY', () => {
  const real = findingsOf({ kernelLog: klogFile('dmesg/pasted-guest-tsc-early-demoted-despite-tsc-reliable.txt') });
  const f = byId(real, 'TSC_RELIABLE_IGNORED_FOR_TSC_EARLY');
  it('a real grep of a VM booted with tsc=reliable whose tsc-early was demoted: a warning naming the kernel fix', () => {
    expect(f).toMatchObject({ severity: 'warning', data: { param: 'tsc=reliable' } });
    expect(words(f)).toMatch(/5\.4/);
    expect(f!.evidence.map((e) => e.line)).toEqual([5, 8]);
  });
  it('never advises the parameter that is already there, nor other TSC flags', () => {
    expect(f!.fixes.some((x) => /tsc=reliable|nowatchdog|notsc/.test(x.command ?? ''))).toBe(false);
  });
  it('no finding without the parameter, for a demoted final tsc, or for tsc=unstable', () => {
    const verdict = "[    4.019019] clocksource: timekeeping watchdog on CPU3: Marking clocksource 'tsc-early' as unstable because the skew is too large:";
    expect(byId(findingsOf({ kernelLog: klog('[    0.000000] Command line: BOOT_IMAGE=/vmlinuz ro quiet', verdict) }), 'TSC_RELIABLE_IGNORED_FOR_TSC_EARLY')).toBeUndefined();
    expect(byId(findingsOf({ kernelLog: klog('[    0.000000] Command line: BOOT_IMAGE=/vmlinuz tsc=unstable', verdict) }), 'TSC_RELIABLE_IGNORED_FOR_TSC_EARLY')).toBeUndefined();
    const final = "[  400.019019] clocksource: timekeeping watchdog on CPU3: Marking clocksource 'tsc' as unstable because the skew is too large:";
    expect(byId(findingsOf({ kernelLog: klog('[    0.000000] Command line: BOOT_IMAGE=/vmlinuz tsc=reliable', final) }), 'TSC_RELIABLE_IGNORED_FOR_TSC_EARLY')).toBeUndefined();
  });
  it('tsc=nowatchdog counts too', () => {
    const g = byId(findingsOf({ kernelLog: klog('[    0.000000] Command line: ro tsc=nowatchdog', "[    4.0] clocksource: timekeeping watchdog on CPU0: Marking clocksource 'tsc-early' as unstable because the skew is too large:") }), 'TSC_RELIABLE_IGNORED_FOR_TSC_EARLY');
    expect(g).toMatchObject({ data: { param: 'tsc=nowatchdog' } });
  });
});
