/**
 * `phc:/dev/ptpN` — a PTP hardware clock (KVM's ptp_kvm, Hyper-V's /dev/ptp_hyperv) read through
 * linuxptp's `phc_ctl DEV cmp`, which compares the PHC with CLOCK_REALTIME inside the kernel
 * (PTP_SYS_OFFSET*), so the value is µs-precise even though spawning phc_ctl costs milliseconds.
 *
 * Sign: linuxptp's sysoff code computes "offset from CLOCK_REALTIME" as system − PHC (the value
 * phc2sys feeds its servo to steer the system clock). That reading of the source is [unconfirmed] here:
 * this machine has no PTP device. When `cmp` is not supported we fall back to `phc_ctl DEV get`
 * bracketed by our own clock reads (precision: the process start-up time, ~ms).
 */
import { stat } from 'node:fs/promises';
import type { LocalClock } from './local-clock.js';
import { ReferenceFailure, type Reference, type ReferenceSample } from './reference.js';
import { runTool } from './run-tool.js';
import { printable } from '../util/sanitize.js';

/** Parse phc_ctl `cmp` output → system − PHC in ns, or null. */
export function parsePhcCmp(output: string): { sysMinusPhcNs: bigint; approximate: boolean } | null {
  const m = /offset from CLOCK_REALTIME is (approximately )?(-?\d+)ns/.exec(output);
  if (!m) return null;
  return { sysMinusPhcNs: BigInt(m[2] as string), approximate: m[1] !== undefined };
}

/** Parse phc_ctl `get` output → PHC time in Unix ns, or null. */
export function parsePhcGet(output: string): bigint | null {
  const m = /clock time is (\d+)\.(\d{1,9})/.exec(output);
  if (!m) return null;
  return BigInt(m[1] as string) * 1_000_000_000n + BigInt((m[2] as string).padEnd(9, '0'));
}

export function parsePhcSpec(spec: string): string | null {
  const m = /^phc:(\/dev\/ptp[A-Za-z0-9_-]*)$/.exec(spec);
  return m ? (m[1] as string) : null;
}

export class PhcReference implements Reference {
  readonly name: string;
  readonly precision = 'µs per sample with phc_ctl cmp (kernel cross-timestamp); ~ms with the get fallback';
  private useGet = false;

  constructor(
    private readonly device: string,
    private readonly timeoutMs: number,
  ) {
    this.name = `phc:${device}`;
  }

  private async run(cmd: 'cmp' | 'get'): Promise<{ out: string; code: number | undefined }> {
    const r = await runTool('phc_ctl', [this.device, cmd], this.timeoutMs, {
      missing: 'phc_ctl is not installed (Debian/Ubuntu: apt-get install linuxptp)',
      timedOut: `phc_ctl ${cmd} did not finish within ${this.timeoutMs} ms`,
    });
    return { out: r.all, code: r.exitCode };
  }

  async sample(clock: LocalClock): Promise<ReferenceSample> {
    try {
      await stat(this.device);
    } catch {
      throw new ReferenceFailure(
        `no PTP clock ${this.device}: load ptp_kvm (KVM) or hv_utils (Hyper-V), or name another /dev/ptpN`,
        'unavailable',
      );
    }
    if (!this.useGet) {
      const m1 = clock.monoNs();
      const { out, code } = await this.run('cmp');
      const m2 = clock.monoNs();
      const parsed = parsePhcCmp(out);
      if (parsed) {
        return {
          monoNs: (m1 + m2) / 2n,
          offsetSeconds: -Number(parsed.sysMinusPhcNs) / 1e9,
          delaySeconds: null,
          detail: { method: parsed.approximate ? 'cmp (approximate)' : 'cmp' },
        };
      }
      if (/unknown clock|No such device|failed to open/i.test(out)) {
        throw new ReferenceFailure(`phc_ctl cannot open ${this.device}: ${printable(lastLine(out))}`, 'unavailable');
      }
      if (code === 0 || /cmp: failed/.test(out)) this.useGet = true;
      else throw new ReferenceFailure(`phc_ctl cmp failed: ${printable(lastLine(out))}`, 'rejected');
    }
    const m1 = clock.monoNs();
    const { out } = await this.run('get');
    const m2 = clock.monoNs();
    const phcNs = parsePhcGet(out);
    if (phcNs === null) throw new ReferenceFailure(`phc_ctl get printed no clock time: ${printable(lastLine(out))}`, 'rejected');
    const mid = (m1 + m2) / 2n;
    return {
      monoNs: mid,
      offsetSeconds: Number(phcNs - clock.realtimeNs(mid)) / 1e9,
      delaySeconds: Number(m2 - m1) / 1e9,
      detail: { method: 'get' },
    };
  }

  close(): void {
    // Nothing held open: each sample is one phc_ctl run.
  }
}

function lastLine(out: string): string {
  const lines = out.trim().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 200);
}
