import { describe, expect, it } from 'vitest';
import yargs from 'yargs';
import { collectorSetup, parseDurationMs, withCollectorOptions } from '../../agent/commands/collector-options.js';
import { COLLECTOR_NAMES } from '../../agent/collectors.js';
import { UsageError, InputError } from '../../agent/errors.js';
import { rootsFromCapture } from '../../agent/roots.js';

const parse = (...args: string[]) => withCollectorOptions(yargs(args)).strict().fail((m, e) => { throw e ?? new UsageError(m); }).parseSync();

describe('collector options', () => {
  it('node_exporter spellings: every collector on by default, --no-collector.NAME turns one off', () => {
    const s = collectorSetup(parse('--no-collector.kernel-log', '--collector.timeout', '750ms'));
    expect([...s.collectors]).toEqual(COLLECTOR_NAMES.filter((n) => n !== 'kernel-log'));
    expect(s.timeoutMs).toBe(750);
    expect(s.live).toBe(true);
    expect(s.roots).toEqual({ procfs: '/proc', sysfs: '/sys', rootfs: '/', commands: null });
  });

  it('--collector.disable-defaults then --collector.NAME whitelists; --path.* move the roots', () => {
    const s = collectorSetup(parse('--collector.disable-defaults', '--collector.rtc', '--collector.cmdline=true', '--path.procfs', '/host/proc', '--path.rootfs=/host'));
    expect([...s.collectors]).toEqual(['cmdline', 'rtc']);
    expect(s.roots).toMatchObject({ procfs: '/host/proc', sysfs: '/sys', rootfs: '/host', commands: null });
  });

  it('--from reads a capture (not live); bad combinations and durations are usage errors', () => {
    const dir = 'test/fixtures/captures/firecracker-kvm-6.18';
    expect(collectorSetup(parse('--from', dir))).toMatchObject({ roots: rootsFromCapture(dir), live: false });
    expect(() => collectorSetup(parse('--from', dir, '--path.sysfs', '/x'))).toThrow(UsageError);
    expect(() => collectorSetup(parse('--from', 'test/fixtures/captures/none'))).toThrow(InputError);
    expect(() => parse('--collector.nonsense')).toThrow(/Unknown argument/);
  });

  it('durations', () => {
    expect(parseDurationMs('5s', 'x')).toBe(5000);
    expect(parseDurationMs('2', 'x')).toBe(2000);
    expect(parseDurationMs('1m', 'x')).toBe(60_000);
    expect(parseDurationMs('0.5s', 'x')).toBe(500);
    expect(parseDurationMs('1m30s', 'x')).toBe(90_000);
    expect(parseDurationMs('1h', 'x', 1, 86_400_000)).toBe(3_600_000);
    expect(() => parseDurationMs('0ms', 'x')).toThrow('x "0ms": shorter than 1ms');
    expect(() => parseDurationMs('11m', 'x')).toThrow('x "11m": longer than 10m');
    expect(() => parseDurationMs('fast', '--collector.timeout')).toThrow('--collector.timeout "fast": not a duration');
  });
});
