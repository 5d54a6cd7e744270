/**
 * Accuracy against a known truth: a loopback SNTP server whose time runs 37 ppm faster than this
 * machine's clock. Relative to it this clock runs slow by 1/(1 + 37e-6) − 1 ≈ −36.9986 ppm; after 30 s
 * `measure` must recover that within ±2 ppm, and the truth must lie inside the interval it prints.
 */
import { describe, expect, it } from 'vitest';
import { startRateServer } from '../../agent/measure/rate-server.js';
import { runMeasureCommand } from '../../agent/commands/measure.js';
import type { MeasureReport } from '../../agent/measure/report.js';

function capture(): { text: () => string; write: (s: string) => boolean } {
  let buf = '';
  return { text: () => buf, write: (s: string) => ((buf += s), true) };
}

describe('measure against a server running 37 ppm fast', () => {
  it('recovers −37 ppm within ±2 ppm after 30 s, inside its printed uncertainty', async () => {
    const srv = await startRateServer({ ratePpm: 37 });
    const out = capture();
    const err = capture();
    try {
      const code = await runMeasureCommand(
        { reference: srv.url, durationMs: 30_000, intervalMs: 500, json: true, model: false, maxDriftPpm: null },
        { stdout: out, stderr: err },
      );
      const r = JSON.parse(out.text()) as MeasureReport;
      const truth = (1 / (1 + 37e-6) - 1) * 1e6;
      expect(r.driftPpm).not.toBeNull();
      const seen = `drift ${r.driftPpm} ± ${r.uncertaintyPpm} ppm, ${r.samples} samples, ${r.outliers} outliers, noise ${r.noiseSeconds}`;
      expect(Math.abs(r.driftPpm! - truth), seen).toBeLessThanOrEqual(2);
      expect(Math.abs(r.driftPpm! - truth), seen).toBeLessThanOrEqual(r.uncertaintyPpm!);
      expect(r.uncertaintyPpm!, seen).toBeLessThan(2);
      expect(r.samples).toBeGreaterThanOrEqual(50);
      expect(r.spanSeconds).toBeGreaterThan(29);
      expect(r.steps).toEqual([]);
      // −37 ppm with nothing correcting it (--no-model: no daemon known) is beyond → exit 1.
      expect(code).toBe(1);
      expect(r.exitCode).toBe(1);
      expect(r.secondsPerDay!).toBeCloseTo((r.driftPpm! * 86400) / 1e6, 9);
      expect(err.text()).toBe('');
    } finally {
      await srv.close();
    }
  }, 60_000);
});
