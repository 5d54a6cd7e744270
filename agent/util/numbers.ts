/**
 * Exact decimal helpers shared by the guest-evidence parsers. Kernel and procfs print frequencies
 * as `%lu.%03lu MHz`; turning that into a float and back loses kHz, so we work on the digits.
 */

/**
 * `"1995.308"` MHz → 1 995 308 kHz, from the digits (no float). More than 3 decimals are rounded
 * half up on the digit string; fewer are padded. Null when the text is not a plain decimal.
 */
export function mhzToKhz(text: string): number | null {
  const m = /^(\d{1,9})(?:\.(\d+))?$/.exec(text.trim());
  if (m === null) return null;
  const int = Number(m[1]);
  const frac = m[2] ?? '';
  let khz = int * 1000 + Number((frac + '000').slice(0, 3));
  if (frac.length > 3 && (frac.charCodeAt(3) - 48) >= 5) khz += 1;
  return khz;
}

/**
 * A decimal number with a unit multiplier, exactly: `decimalTimes("3.40", 1e9)` → 3 400 000 000.
 * Null when not a plain decimal or the result is not a safe integer.
 */
function decimalTimes(text: string, multiplier: number): number | null {
  const m = /^(\d{1,12})(?:\.(\d{1,9}))?$/.exec(text.trim());
  if (m === null) return null;
  const frac = m[2] ?? '';
  const scale = 10 ** frac.length;
  if (multiplier % scale !== 0) return null;
  const v = Number(m[1]) * multiplier + Number(frac === '' ? '0' : frac) * (multiplier / scale);
  return Number.isSafeInteger(v) ? v : null;
}

/** Nominal Hz from a brand string suffix such as `@ 3.40GHz` or `@ 800MHz`; null without one. */
export function brandNominalHz(brand: string): number | null {
  const m = /@\s*(\d+(?:\.\d+)?)\s*([GM])Hz/i.exec(brand);
  if (m === null || m[1] === undefined || m[2] === undefined) return null;
  return decimalTimes(m[1], m[2].toUpperCase() === 'G' ? 1_000_000_000 : 1_000_000);
}

/** Parse a non-negative decimal integer that fits a double exactly; null otherwise. */
export function safeInt(text: string | undefined): number | null {
  if (text === undefined || !/^\d+$/.test(text)) return null;
  const v = Number(text);
  return Number.isSafeInteger(v) ? v : null;
}

/** Parse an optionally signed decimal integer that fits a double exactly; null otherwise. */
export function safeSignedInt(text: string | undefined): number | null {
  if (text === undefined || !/^[-+]?\d+$/.test(text)) return null;
  const v = Number(text);
  return Number.isSafeInteger(v) ? v : null;
}
