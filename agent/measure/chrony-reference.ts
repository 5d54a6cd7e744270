/**
 * `chrony` — chronyd's own estimate of this clock, from `chronyc -c tracking`.
 *
 * chrony's Frequency is "the rate by which the system's clock would be wrong if chronyd was not
 * correcting it", > 0 = fast (anchors.md §2.2): it is the correction chrony applies, i.e. the drift of the
 * *uncorrected* clock — exactly what a host-side fix must remove. Skew is chrony's error bound on it.
 * System time > 0 = the clock is slow of NTP time, which is our offset sign (reference − local).
 */
import type { LocalClock } from './local-clock.js';
import { ReferenceFailure, type Reference, type ReferenceSample } from './reference.js';
import { runTool } from './run-tool.js';
import { parseChronyTracking } from '../evidence/timesync/chrony-tracking.js';
import { ParseError } from '../errors.js';
import { printable } from '../util/sanitize.js';
import { formatAddress } from '../util/address.js';

/** `chrony` (the local chronyd) or `chrony://HOST[:PORT]` (chronyd's command port elsewhere). */
export function parseChronySpec(spec: string): { host: string; port: number } | 'local' | null {
  if (spec === 'chrony') return 'local';
  const m = /^chrony:\/\/([A-Za-z0-9][A-Za-z0-9._-]*|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/.exec(spec);
  if (!m) return null;
  const port = m[2] === undefined ? 323 : Number(m[2]);
  if (!(port >= 1 && port <= 65535)) return null;
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
}

export class ChronyReference implements Reference {
  readonly name: string;
  readonly precision = "chrony's own frequency estimate; its skew is the stated error bound";
  private readonly args: string[];

  constructor(
    private readonly timeoutMs: number,
    remote: { host: string; port: number } | null = null,
  ) {
    this.name = remote ? `chrony://${formatAddress(remote.host, remote.port)}` : 'chrony';
    this.args = remote ? ['-h', remote.host, '-p', String(remote.port), '-c', 'tracking'] : ['-c', 'tracking'];
  }

  async sample(clock: LocalClock): Promise<ReferenceSample> {
    const r = await runTool('chronyc', this.args, this.timeoutMs, {
      missing: 'chronyc is not installed (the chrony reference needs chronyd running)',
      timedOut: `chronyc tracking did not answer within ${this.timeoutMs} ms`,
    });
    const mono = clock.monoNs();
    const out = r.all;
    if (r.exitCode !== 0) {
      const why = /Cannot talk to daemon/.test(out) ? 'chronyd is not running' : 'chronyc failed';
      throw new ReferenceFailure(`${why}: ${printable(out.trim().split('\n')[0] ?? '')}`, 'unavailable');
    }
    let t;
    try {
      t = parseChronyTracking(r.stdout, 'chronyc -c tracking');
    } catch (err) {
      throw new ReferenceFailure(err instanceof ParseError ? `chronyc -c tracking: ${err.message}` : 'chronyc output not understood', 'rejected');
    }
    if (t.leapStatus === 'Not synchronised' || t.stratum === 0 || t.stratum >= 16) {
      throw new ReferenceFailure(`chronyd is not synchronised (leap status ${printable(t.leapStatus)}, stratum ${t.stratum}): its frequency is not a measurement yet`, 'rejected');
    }
    return {
      monoNs: mono,
      offsetSeconds: t.systemTimeOffsetSeconds,
      delaySeconds: null,
      statedDrift: { ppm: t.frequencyPpm, uncertaintyPpm: t.skewPpm },
      detail: { stratum: t.stratum, referenceName: printable(t.referenceName), frequencyPpm: t.frequencyPpm, skewPpm: t.skewPpm },
    };
  }

  close(): void {
    // Nothing held open.
  }
}
