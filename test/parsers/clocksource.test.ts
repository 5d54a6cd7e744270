/** sysfs clocksource files: the live capture, single files given to `analyze`, this machine. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { clocksourceFileKind, parseClocksource, parseClocksourceFile } from '../../agent/evidence/clocksource/parser.js';
import { DEFAULT_ROOTS, sysPath } from '../../agent/roots.js';
import { ParseError } from '../../agent/errors.js';

const LIVE = path.resolve(import.meta.dirname, '..', 'fixtures', 'live', 'firecracker-kvm-6.18');
const csDir = (root: string) => path.join(root, 'devices', 'system', 'clocksource');

describe('parseClocksource', () => {
  it('reads the live capture (trailing space in available_clocksource)', () => {
    const dir = path.join(csDir(path.join(LIVE, 'sys')), 'clocksource0');
    const available = fs.readFileSync(path.join(dir, 'available_clocksource'), 'utf8');
    expect(available).toBe('tsc kvm-clock \n');
    const f = parseClocksource([{ device: '0', current: fs.readFileSync(path.join(dir, 'current_clocksource'), 'utf8'), available }], 'cap');
    expect(f).toMatchObject({ current: 'tsc', available: ['tsc', 'kvm-clock'], devices: [{ device: '0', current: 'tsc', available: ['tsc', 'kvm-clock'] }] });
    expect(f.refs).toEqual({ current: { line: 1, excerpt: 'tsc' }, available: { line: 1, excerpt: 'tsc kvm-clock' } });
  });
  it('device 0 decides current/available even when listed later; missing files are null/empty', () => {
    const f = parseClocksource([{ device: '1', current: 'hpet\n', available: null }, { device: '0', current: null, available: 'kvm-clock tsc acpi_pm \n' }]);
    expect(f.current).toBeNull();
    expect(f.available).toEqual(['kvm-clock', 'tsc', 'acpi_pm']);
    expect(f.devices.map((d) => d.device)).toEqual(['0', '1']);
  });
  it('no devices at all', () => {
    expect(parseClocksource([])).toMatchObject({ current: null, available: [], devices: [] });
  });
});

describe('a single clocksource file given to analyze', () => {
  it('one name = current_clocksource', () => {
    expect(clocksourceFileKind('tsc\n')).toBe('current-clocksource');
    expect(parseClocksourceFile('kvm-clock\n', 'f')).toMatchObject({ current: 'kvm-clock', available: [], refs: { current: { line: 1, excerpt: 'kvm-clock' } } });
  });
  it('a list, or one name with the kernel\'s trailing space = available_clocksource', () => {
    expect(clocksourceFileKind('tsc hpet acpi_pm \n')).toBe('available-clocksource');
    expect(clocksourceFileKind('hyperv_clocksource_tsc_page \n')).toBe('available-clocksource');
    expect(clocksourceFileKind('tsc\r\n')).toBe('current-clocksource');
    expect(parseClocksourceFile('tsc hpet acpi_pm \n')).toMatchObject({ current: null, available: ['tsc', 'hpet', 'acpi_pm'] });
  });
  it('anything else is a ParseError', () => {
    for (const bad of ['', 'Dear support\nmy clock\n', 'tsc\nhpet\n', 'hello world', '\u0000\u0001']) {
      expect(() => parseClocksourceFile(bad, 'f')).toThrow(ParseError);
    }
  });
  it('never throws anything but ParseError (property)', () => {
    fc.assert(fc.property(fc.string(), (s) => {
      try { parseClocksourceFile(s); } catch (e) { expect(e).toBeInstanceOf(ParseError); }
    }), { numRuns: 500 });
  });
});

describe('this machine', () => {
  it('reads the live clocksource0 when present', () => {
    const dir = path.join(csDir(sysPath(DEFAULT_ROOTS)), 'clocksource0');
    if (!fs.existsSync(dir)) return;
    const read = (n: string) => { try { return fs.readFileSync(path.join(dir, n), 'utf8'); } catch { return null; } };
    const f = parseClocksource([{ device: '0', current: read('current_clocksource'), available: read('available_clocksource') }]);
    expect(f.current).not.toBeNull();
    expect(f.available).toContain(f.current);
  });
});
