/**
 * `--reference` text → a Reference. Unknown forms are a usage error (exit 64).
 */
import { UsageError } from '../errors.js';
import { DEFAULT_ROOTS, type Roots } from '../roots.js';
import { printable } from '../util/sanitize.js';
import { ChronyReference, parseChronySpec } from './chrony-reference.js';
import { parsePhcSpec, PhcReference } from './phc-reference.js';
import type { Reference } from './reference.js';
import { parseRtcSpec, RtcReference } from './rtc-reference.js';
import { parseNtpUrl, SntpReference } from './sntp-client.js';

export const REFERENCE_FORMS = 'ntp://HOST[:PORT], rtc, rtc:/dev/rtcN, phc:/dev/ptpN, chrony, chrony://HOST[:PORT]';

export interface OpenReferenceOptions {
  roots?: Roots;
  /** Per-sample time limit, ms. */
  timeoutMs?: number;
}

export function openReference(spec: string, opts: OpenReferenceOptions = {}): Reference {
  const timeoutMs = opts.timeoutMs ?? 1000;
  const ntp = parseNtpUrl(spec);
  if (ntp) return new SntpReference({ ...ntp, timeoutMs });
  const chrony = parseChronySpec(spec);
  if (chrony) return new ChronyReference(Math.max(timeoutMs, 2000), chrony === 'local' ? null : chrony);
  const rtc = parseRtcSpec(spec);
  if (rtc) return new RtcReference(rtc, opts.roots ?? DEFAULT_ROOTS, timeoutMs);
  const phc = parsePhcSpec(spec);
  if (phc) return new PhcReference(phc, Math.max(timeoutMs, 2000));
  throw new UsageError(`--reference ${JSON.stringify(printable(spec))} is not one of: ${REFERENCE_FORMS}`);
}
