/**
 * The refresher: every refresh's CPU cost is counted (clockdoctor_refresh_cpu_seconds_total), and
 * what the sources keep between refreshes (the memory) is closed when the agent stops.
 */
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Refresher } from '../../agent/daemon/refresher.js';
import { rootsFromCapture } from '../../agent/roots.js';
import { createMetricsRegistry } from '../../agent/outputs/metrics.js';

const CAPTURE = path.join(import.meta.dirname, '..', 'fixtures', 'captures', 'firecracker-kvm-6.18');

describe('refresher', () => {
  it('counts the process CPU each refresh costs, and exports it as a counter', async () => {
    const r = new Refresher({ roots: rootsFromCapture(CAPTURE), collect: { live: false }, intervalSeconds: 10 });
    expect(r.view().refresh.cpuSecondsTotal).toBe(0);
    await r.refresh();
    const one = r.view().refresh.cpuSecondsTotal;
    // Collecting and diagnosing a capture takes CPU: more than nothing, less than the refresh's wall time allows
    // on this many cores (the refresh counts every thread of the process).
    expect(one).toBeGreaterThan(0);
    expect(one).toBeLessThanOrEqual((r.view().refresh.lastDurationSeconds ?? 0) * os.availableParallelism() + 0.05);
    await r.refresh();
    const two = r.view().refresh.cpuSecondsTotal;
    expect(two).toBeGreaterThan(one);
    const text = await createMetricsRegistry(r.view, { processMetrics: false }).metrics();
    expect(text).toContain('# TYPE clockdoctor_refresh_cpu_seconds_total counter');
    const line = text.split('\n').find((l) => l.startsWith('clockdoctor_refresh_cpu_seconds_total '));
    expect(Number(line?.split(' ')[1])).toBeCloseTo(two, 9);
    r.cancel();
  });
});
