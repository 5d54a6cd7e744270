import { afterEach, describe, expect, it, vi } from 'vitest';
import { nominalIntervalSeconds, parseRefresh, startSchedule, type Scheduler } from '../../agent/daemon/schedule.js';
import { UsageError } from '../../agent/errors.js';

describe('parseRefresh', () => {
  it('reads durations', () => {
    expect(parseRefresh('30s')).toEqual({ kind: 'every', ms: 30_000, text: '30s' });
    expect(parseRefresh('5m')).toMatchObject({ kind: 'every', ms: 300_000 });
    expect(parseRefresh('1h')).toMatchObject({ kind: 'every', ms: 3_600_000 });
    expect(parseRefresh('1h30m')).toMatchObject({ kind: 'every', ms: 5_400_000 });
    expect(parseRefresh('90')).toMatchObject({ kind: 'every', ms: 90_000 });
    expect(parseRefresh('1500ms')).toMatchObject({ kind: 'every', ms: 1500 });
    // The grammar every duration flag shares (agent/util/units.ts).
    expect(parseRefresh('1m30s')).toMatchObject({ kind: 'every', ms: 90_000 });
    expect(parseRefresh('1d')).toMatchObject({ kind: 'every', ms: 86_400_000 });
    expect(parseRefresh('0.5m')).toMatchObject({ kind: 'every', ms: 30_000 });
  });
  it('reads cron expressions and knows their period', () => {
    const s = parseRefresh('*/5 * * * *');
    expect(s).toMatchObject({ kind: 'cron', expression: '*/5 * * * *' });
    expect(nominalIntervalSeconds(s)).toBe(300);
    expect(nominalIntervalSeconds(parseRefresh('0 * * * *'))).toBe(3600);
    expect(nominalIntervalSeconds(parseRefresh('2m'))).toBe(120);
  });
  it('rejects nonsense, too short and too long', () => {
    for (const bad of ['', 'soon', '10x', '500ms', '0', '30d', '99 99 * * *', '-5s', '30s1m', '5M']) expect(() => parseRefresh(bad), bad).toThrow(UsageError);
  });
});

describe('startSchedule', () => {
  let s: Scheduler | null = null;
  afterEach(() => {
    s?.stop();
    s = null;
    vi.useRealTimers();
  });

  it('runs at start, then every interval, never two at once', async () => {
    vi.useFakeTimers();
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const run = async (): Promise<void> => {
      running++;
      runs++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, 1500));
      running--;
    };
    s = startSchedule(parseRefresh('1s'), run);
    expect(runs).toBe(1);
    // Triggers while one is in flight share it.
    void s.trigger();
    void s.trigger();
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(600); // first run ends at 1.5 s; the next is due at once (fixed rate)
    expect(runs).toBe(2);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(maxRunning).toBe(1);
    expect(runs).toBeGreaterThanOrEqual(7);
    s.stop();
    const after = runs;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs).toBe(after);
  });

  it('a cron schedule also runs once at start and SIGHUP-style triggers run now', async () => {
    let runs = 0;
    s = startSchedule(parseRefresh('0 0 1 1 *'), async () => {
      runs++;
    });
    await new Promise((r) => setImmediate(r));
    expect(runs).toBe(1);
    await s.trigger();
    expect(runs).toBe(2);
  });
});
