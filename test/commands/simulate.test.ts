/**
 * `clockdoctor simulate` as a user runs it: `node dist/agent/cli.js simulate` (build first:
 * npx tsc -p tsconfig.build.json).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli, type CliRun } from '../helpers/cli.js';

const EXAMPLE = path.join(ROOT, 'examples', 'virtualbox-5.0-kvm-drift', 'VBox.log');
let tmp = '';

function run(args: string[]): CliRun {
  return runCli('simulate', args);
}

beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error('dist/agent/cli.js is missing: run npx tsc -p tsconfig.build.json first');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'clockdoctor-simulate-'));
});
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('scenarios', () => {
  it('--list names S1 … S23', () => {
    const r = run(['--list']);
    expect(r.code).toBe(0);
    for (const id of ['S1', 'S1b', 'S1c', 'S8', 'S20', 'S23']) expect(r.stdout).toMatch(new RegExp(`^${id} `, 'm'));
  });

  it('--scenario S1: 4:53 after 5:00, the tagged reason, checks ok', () => {
    const r = run(['--scenario', 'S1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('the guest clock shows 4:53 (293.26 s)');
    expect(r.stdout).toContain("−22 472 ppm: kvm-clock uses VirtualBox's claimed 3 478 274 491 Hz while the TSC ticks at 3 400 109 000 Hz");
    expect(r.stdout).toMatch(/ok {3}drift ppm: −22 472\.5/);
    expect(r.stdout).not.toContain('FAIL');
  });

  it('--scenario s1c --json: sawtooth, 15.2 h, +20 min steps', () => {
    const r = run(['--scenario', 's1c', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { pattern: { kind: string; periodSeconds: number; amplitudeSeconds: number }; steps: { seconds: number; by: string }[]; pass: boolean };
    expect(j.pass).toBe(true);
    expect(j.pattern.kind).toBe('sawtooth');
    expect(j.pattern.periodSeconds / 3600).toBeCloseTo(15.2, 1);
    expect(j.steps[0]?.by).toBe('vboxservice');
    expect(j.steps[0]?.seconds).toBeGreaterThan(1200);
  });

  it('an unknown scenario is a usage error', () => {
    const r = run(['--scenario', 'S99']);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('no scenario "S99"');
  });
});

describe('parameters', () => {
  const S1 = ['--hypervisor', 'virtualbox', '--paravirt', 'kvm', '--clocksource', 'kvm-clock', '--claimed-tsc-hz', '3478274491', '--true-tsc-hz', '3400109000'];

  it('--json carries driftPpm, guestElapsedSeconds, offsetSeconds, pattern, steps', () => {
    const r = run([...S1, '--duration', '5m', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(j.driftPpm as number).toBeCloseTo(-22472.49, 1);
    expect(j.guestElapsedSeconds as number).toBeCloseTo(293.258, 3);
    expect(j.offsetSeconds as number).toBeCloseTo(-6.742, 3);
    expect((j.pattern as { kind: string }).kind).toBe('linear');
    expect(j.steps).toEqual([]);
  });

  it('with ntpd over a day: a 906 s sawtooth', () => {
    const r = run([...S1, '--kernel', '3.2', '--corrector', 'ntpd', '--duration', '1d', '--json']);
    const j = JSON.parse(r.stdout) as { pattern: { kind: string; periodSeconds: number; amplitudeSeconds: number } };
    expect(j.pattern.kind).toBe('sawtooth');
    expect(j.pattern.periodSeconds).toBeCloseTo(905.8, 0);
    expect(j.pattern.amplitudeSeconds).toBeCloseTo(19.9, 1);
  });

  it('two correctors that follow different references fight, and the output says so', () => {
    const r = run([...S1, '--corrector', 'vboxservice,ntpd', '--duration', '1d']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/fight +vboxservice and ntpd both correct the clock/);
  });

  it('VBoxService following a host 0.5 s ahead and chrony following NTP pull against each other', () => {
    const r = run([...S1, '--corrector', 'vboxservice', '--corrector', 'chrony', '--host-offset', '0.5', '--duration', '1d', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { fight: string; pattern: { kind: string; amplitudeSeconds: number }; correctors: { name: string; slews: number }[] };
    expect(j.fight).toMatch(/^vboxservice and chrony both correct the clock/);
    expect(j.pattern.kind).toBe('bounded');
    // chrony pulls back every 64 s what VBoxService slewed at 500 µs/s: about 32 ms.
    expect(j.pattern.amplitudeSeconds).toBeGreaterThan(0.025);
    expect(j.pattern.amplitudeSeconds).toBeLessThan(0.035);
    for (const c of j.correctors) expect(c.slews).toBeGreaterThan(1000);
  });

  it('a year with lost ticks and a corrector, and a plot of it', () => {
    const svg = path.join(tmp, 'year.svg');
    const r = run(['--hypervisor', 'kvm', '--clocksource', 'jiffies', '--hz', '1000', '--lost-ticks', '2%', '--corrector', 'ntpd', '--duration', '1y', '--plot', svg]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('sawtooth: ntpd steps the clock');
    const text = fs.readFileSync(svg, 'utf8');
    expect(text.startsWith('<svg')).toBe(true);
    expect(text).toContain('true time since start (days)');
    expect(text).toContain('guest − true time (s)');
    expect(text).toContain('<polyline');
  });

  for (const [args, msg] of [
    [['--duration', 'soon'], '--duration takes a duration'],
    [['--hypervisor', 'bochs'], '--hypervisor must be one of'],
    [['--duration', '1000y'], '--duration is at most 100y'],
    [['--duration', '0'], '--duration takes a duration'],
    [['--claimed-tsc-hz', '3.4THz'], '--claimed-tsc-hz "3.4THz": not a frequency'],
    [['--true-tsc-hz', '3.4000000005GHz'], '--true-tsc-hz "3.4000000005GHz": not a whole number of Hz'],
    [['--lost-ticks', '150%'], '--lost-ticks takes a fraction'],
    [['--corrector', 'sntp'], '--corrector must be one of'],
    [['--tick', 'sometimes'], '--tick must be one of'],
    [['--stall', 'later'], '--stall takes START:LENGTH'],
    [['--assume', 'nonsense=1'], '--assume takes KEY=VALUE'],
    [['--paravirt', 'none', '--clocksource', 'kvm-clock'], 'clocksource kvm-clock is not offered to this guest'],
    [['--plot', path.join(os.tmpdir(), 'x.png')], '--plot writes an SVG file'],
    [['--scenario', 'S1', '--duration', '1d'], '--scenario runs a fixed configuration'],
  ] as [string[], string][]) {
    it(`bad: ${args.join(' ')} → exit 64`, () => {
      const r = run(args);
      expect(r.code).toBe(64);
      expect(r.stderr).toContain(msg);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }
});

describe('from evidence', () => {
  it('the example VBox.log with --host-tsc-hz: kvm-clock, −22 472 ppm, 4:53', () => {
    const r = run([EXAMPLE, '--host-tsc-hz', '3400109000', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { clocksource: string; driftPpm: number; guestElapsedReadsAs: string };
    expect(j.clocksource).toBe('kvm-clock');
    expect(Math.abs(j.driftPpm + 22472)).toBeLessThanOrEqual(5);
    expect(j.guestElapsedReadsAs).toBe('4:53');
  });

  it('flags override the evidence: the same VM with the fix applied reads 5:00', () => {
    const r = run([EXAMPLE, '--host-tsc-hz', '3400109000', '--claimed-tsc-hz', '3400109000', '--tsc-override']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('the guest clock shows 5:00');
  });

  it('without the true host rate it refuses to guess (exit 64)', () => {
    const noHint = path.join(tmp, 'VBox.log');
    // Keep only the lines that carry the claim and the mode switch: no CPU brand or CPUID hint left.
    const keep = fs.readFileSync(EXAMPLE, 'utf8').split('\n').filter((l) => /TM:|GIM:|VirtualBox VM|Log opened|Guest OS type/.test(l) && !/CPUID|Brand|GIP/i.test(l));
    fs.writeFileSync(noHint, `${keep.join('\n')}\n`);
    const r = run([noHint]);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('--host-tsc-hz');
  });

  it('--from a capture of a KVM guest: its own clocksource, no drift, the KVM calibration named as an assumption', () => {
    const r = run(['--from', path.join(ROOT, 'test', 'fixtures', 'captures', 'firecracker-kvm-6.18'), '--duration', '1d', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { params: { hypervisor: string; clocksource: string }; driftPpm: number; assumptions: string[] };
    expect(j.params.hypervisor).toBe('kvm');
    expect(j.params.clocksource).toBe('tsc');
    expect(j.driftPpm).toBe(0);
    expect(j.assumptions.join('\n')).toContain('kvmHostCalibrationPpm');
  });

  it('a missing file → 66', () => {
    const r = run([path.join(tmp, 'nope.log')]);
    expect(r.code).toBe(66);
  });

  it('an input it cannot read (a socket) → 66, as analyze says, whatever the message words', async () => {
    const sock = path.join(tmp, 'VBox.sock');
    const server = net.createServer().listen(sock);
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const r = run([sock]);
      expect(r.stderr).toMatch(/socket/);
      expect(r.code).toBe(66);
    } finally {
      server.close();
    }
  });
});

describe('platforms of issue 12', () => {
  it('--arch arm64: the generic timer, and a host sleep the guest never gets back', () => {
    const r = run(['--hypervisor', 'kvm', '--arch', 'arm64', '--stall', '1h:2h:suspend', '--duration', '1d', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { clocksourceStart: string; offsetSeconds: number };
    expect(j.clocksourceStart).toBe('arch_sys_counter');
    expect(j.offsetSeconds).toBeCloseTo(-7200, 3);
  });

  it('--vmware-ptsc: the hardware TSC drifts by the rate ratio, the reference-clock PTSC does not', () => {
    const args = ['--hypervisor', 'vmware', '--clocksource', 'tsc', '--claimed-tsc-hz', '2000000000', '--true-tsc-hz', '1946477000', '--json'];
    const hw = JSON.parse(run([...args, '--vmware-ptsc', 'tsc']).stdout) as { driftPpm: number };
    const ref = JSON.parse(run([...args, '--vmware-ptsc', 'reference-clock']).stdout) as { driftPpm: number };
    expect(hw.driftPpm).toBeCloseTo(-26_761.5, 0);
    expect(ref.driftPpm).toBe(0);
    expect(run([...args, '--vmware-ptsc', 'qpc']).code).toBe(64);
  });
});
