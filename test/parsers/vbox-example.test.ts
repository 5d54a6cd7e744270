/**
 * The documented case (examples/virtualbox-5.0-kvm-drift): the parser must see every fact the
 * diagnosis rests on, and the test copy must be the example byte for byte.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFile } from '../../agent/sources/file.js';
import { createVboxParser } from '../../agent/evidence/vbox/parser.js';
import { ROOT } from '../helpers/cli.js';

const EXAMPLE = path.join(ROOT, 'examples', 'virtualbox-5.0-kvm-drift', 'VBox.log');
const COPY = path.join(ROOT, 'test', 'fixtures', 'vbox', 'virtualbox-5.0-kvm-drift.log');
const ORIGINAL = path.join(ROOT, 'test', 'fixtures', 'vbox', 'v5.0.6-win-intel-none-bayons.log');

describe('documented case: VirtualBox 5.0, KVM provider, 3 478 274 491 Hz', () => {
  const { facts } = parseFile(EXAMPLE, createVboxParser(EXAMPLE));

  it('the fixture copy equals the example', () => {
    expect(fs.readFileSync(COPY).equals(fs.readFileSync(EXAMPLE))).toBe(true);
  });

  it('differs from the real 5.0.6 log only in the 15 changed and 2 added lines SOURCE.md lists', () => {
    const a = fs.readFileSync(ORIGINAL, 'utf8').split('\n');
    const b = fs.readFileSync(EXAMPLE, 'utf8').split('\n');
    expect(b.length).toBe(a.length + 2);
    const added = b.splice(1051, 2);
    expect(added[1]).toBe("00:00:24.612771 TM: Switching TSC mode from 'Dynamic' to 'RealTscOffset'");
    const changed = a.map((l, i) => (l === b[i] ? null : i + 1)).filter((n) => n !== null);
    expect(changed).toEqual([20, 464, 523, 524, 525, 526, 527, 528, 531, 578, 919, 920, 921, 922, 985]);
  });

  it('has the claim, the provider, the switch and the brand', () => {
    expect(facts.version).toBe('5.0.6');
    expect(facts.vmName).toBe('Minix');
    expect(facts.tscTicksPerSecond).toBe(3_478_274_491);
    expect(facts.gipCpuHz).toBe(3_478_274_491);
    expect(facts.hostTscTicksPerSecond).toBe(3_478_274_491);
    expect(facts.gipPerCpuSpreadPpm).toBeLessThan(5);
    expect(facts.tscMode).toBe('Dynamic');
    expect(facts.paravirtProvider).toBe('KVM');
    expect(facts.tscModeSwitchAllowed).toBe(true);
    expect(facts.switchedToRealTscOffset).toBe(true);
    expect(facts.tscModeSwitches.map((s) => [s.from, s.to])).toEqual([['Dynamic', 'RealTscOffset']]);
    expect(facts.gimKvmSystemTime[0]?.impliedHz).toBe(3_478_274_491);
    expect(facts.cpuBrand).toBe('Intel(R) Core(TM) i7-4770 CPU @ 3.40GHz');
    expect(facts.brandNominalHz).toBe(3_400_000_000);
    expect(facts.cpuidTscTicksPerSecond).toBeNull();
    // 2.3 % above nominal; −22 472 ppm against the true 3 400 109 000 Hz.
    expect((facts.tscTicksPerSecond! / facts.brandNominalHz! - 1) * 100).toBeCloseTo(2.3, 1);
    expect((3_400_109_000 / facts.tscTicksPerSecond! - 1) * 1e6).toBeCloseTo(-22_472, -1);
  });
});
