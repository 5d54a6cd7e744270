/**
 * Kernel log evidence as users paste it, read through the same line router `analyze` uses: quoted,
 * indented, wrapped by a mail client, without stamps, cut to a `dmesg | grep`; and what a filtered
 * excerpt may not be used to conclude.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readString } from '../../agent/gather/text.js';
import { createKernelLogParser } from '../../agent/evidence/kernel-log/parser.js';
import { parseText } from '../../agent/evidence/text/lines.js';
import type { KernelLogFacts } from '../../agent/facts.js';

const FIX = path.resolve(import.meta.dirname, '..', 'fixtures');

function kernel(text: string): { status: string; facts: KernelLogFacts | undefined } {
  const r = readString('paste.txt', text);
  const part = r.parts.find((p) => p.kind === 'kernel-log');
  return { status: r.status.status, facts: part?.facts as KernelLogFacts | undefined };
}

describe('paste decoration', () => {
  it('`> ` quotes at any depth and indented code blocks give the same facts as the plain lines', () => {
    const plain = ['[    0.298804] TSC synchronization [CPU#0 -> CPU#2]:', '[    0.298804] Measured 7309500619 cycles TSC warp between CPUs, turning off TSC clock.'];
    const want = kernel(plain.join('\n')).facts!.tscSync;
    expect(kernel(plain.map((l) => `> ${l}`).join('\n')).facts!.tscSync).toEqual(want);
    expect(kernel(plain.map((l) => `> > ${l}`).join('\n')).facts!.tscSync).toEqual(want);
    expect(kernel(plain.map((l) => `    ${l}`).join('\n')).facts!.tscSync.map((e) => e.warpCycles)).toEqual([7309500619]);
  });

  it('lines without any stamp or prefix are read (real, liquidat.wordpress.com and intel/haxm 339)', () => {
    expect(kernel('Clocksource tsc unstable (delta = -102057770 ns).  Enable clocksource failover by adding clocksource_failover kernel parameter.\n')).toMatchObject({ status: 'ok', facts: { failoverDisabled: true, tscUnstable: true } });
    expect(kernel('Measured 38253476481 cycles TSC warp between CPUs, turning off TSC clock.\n').facts?.tscSync[0]?.warpCycles).toBe(38253476481);
  });

  it('a message wrapped by a mail client is joined again (real, projectacrn/acrn-kernel 257)', () => {
    const f = kernel(fs.readFileSync(path.join(FIX, 'dmesg', 'pasted-guest-acrn-tsc-early-refined-jiffies-watchdog-wrapped.txt'), 'utf8')).facts!;
    expect(f.watchdogVerdicts).toEqual([expect.objectContaining({ clocksource: 'tsc-early', watchdog: 'refined-jiffies', cpu: 0 })]);
    expect(f.tscUnstableEvents).toHaveLength(1);
    expect(f.watchdogVerdicts[0]!.excerpt).toBe("clocksource: timekeeping watchdog on CPU0: Marking clocksource 'tsc-early' as unstable because the skew is too large:");
  });

  it('a wrapped line that completes nothing stays apart, and a number wrapped mid-digits is never repaired', () => {
    const f = kernel('ACPI: (supports S0 S1<6>Time: tsc clocksource has been installed.\n S4 S5)\n').facts!;
    expect(f.clocksourceSwitches[0]!.excerpt).toBe('ACPI: (supports S0 S1<6>Time: tsc clocksource has been installed.');
    expect(kernel('Feb 15 06:50:45 vlsj-ss kernel: [ 0.000000] TSC freq read from hypervisor : 2\n926.000 MHz\n').facts!.tscFromHypervisorKhz).toBeNull();
  });

  it('a typographic dash in a pasted delta is read as a minus, the text itself untouched (real, icaci.info)', () => {
    const text = fs.readFileSync(path.join(FIX, '..', 'cases', 'xen-dom0-ubuntu-2.6.22-time-went-backwards-year-2301', 'kern.log'), 'utf8');
    expect(text).toContain('\u2013');
    const f = kernel(text).facts!;
    expect(f.timeWarnings.map((w) => w.deltaText)).toEqual(['-9223012651229942015', '-9223012646229940943']);
    expect(f.timeWarnings[0]!.excerpt).toContain('\u2013');
  });
});

describe('filtered excerpts and the commands that printed them', () => {
  it('`dmesg | grep -i tsc` under a prompt marks the facts filtered and records the search (real, RPCS3 16382)', () => {
    const f = kernel('$  dmesg | grep -i tsc\n[    0.000000] tsc: Detected 2295.780 MHz processor\n[    0.298820] tsc: Marking TSC unstable due to check_tsc_sync_source failed\n').facts!;
    expect(f).toMatchObject({ filteredBy: 'dmesg | grep -i tsc', wholeBoot: false });
    expect(f.searches).toEqual([expect.objectContaining({ command: 'dmesg | grep -i tsc', filter: '-i tsc', lines: 2, line: 1 })]);
  });
  it('a root prompt and journalctl, and a search that found nothing (still evidence: the file is read)', () => {
    const r = kernel('[fg@rac1 hv]$ dmesg | grep -i hv_utils\n[root@rac1 ~]# journalctl -k -b | grep -i ptp\n[    9.056052] PTP clock support registered\n');
    expect(r.status).toBe('ok');
    expect(r.facts!.searches.map((s) => [s.filter, s.lines])).toEqual([['-i hv_utils', 0], ['-i ptp', 1]]);
    expect(r.facts!.ptpSupport).toBe(true);
  });
  it('an unfiltered dmesg from its first line is a whole boot; other commands are no kernel-log search', () => {
    const f = kernel('$ dmesg\n[    0.000000] Linux version 5.4.0-110-generic (buildd@x) (gcc version 9.4.0) #1 SMP\n[    0.1] clocksource: Switched to clocksource tsc\n$ chronyc tracking\nReference ID    : 0A000001 (ntp)\n').facts!;
    expect(f).toMatchObject({ filteredBy: null, wholeBoot: true });
    expect(f.searches.map((s) => s.command)).toEqual(['dmesg']);
  });
  it('OpenWrt\'s logread prefix (real, coolsnowwolf/lede 9028)', () => {
    const f = parseText(createKernelLogParser('x'), 'Tue Mar  8 13:19:34 2022 kern.info kernel: [14669.048261] clocksource: timekeeping watchdog on CPU1: acpi_pm wd-wd read-back delay of 144431ns\n');
    expect(f).toMatchObject({ format: 'syslog', watchdogReadIssues: [expect.objectContaining({ kind: 'skipped', watchdog: 'acpi_pm', delayNs: 144431, atSeconds: 14669.048261 })] });
  });
});

describe('robustness of pastes (property, seed 12)', () => {
  it('decorating any corpus excerpt with quotes or indentation never throws and never invents a warp', () => {
    const lines = fs.readFileSync(path.join(FIX, 'dmesg', 'baremetal-supermicro-amd-epyc-5.14-el9.txt'), 'utf8').split('\n').slice(0, 400);
    fc.assert(fc.property(fc.array(fc.nat(lines.length - 1), { maxLength: 40 }), fc.constantFrom('', '> ', '    ', '\t', '>> '), (idx, deco) => {
      const f = kernel(idx.map((i) => `${deco}${lines[i]}`).join('\n')).facts;
      if (f !== undefined) expect(f.tscSync.filter((e) => e.kind === 'warp')).toEqual([]);
    }), { numRuns: 100, seed: 12 });
  });
});
