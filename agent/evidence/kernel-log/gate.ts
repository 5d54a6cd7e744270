/**
 * The kernel log's byte gate: does a raw line hold any literal a rule needs (KERNEL_LOG_LITERALS,
 * derived from the rule table, never a hand list)? Most lines of a big log hold none, and the parser's
 * `wants` then settles them on their bytes (prefix shape, stamp) without decoding them.
 *
 * How: every literal gets an anchor, the two-byte pair inside it that logs print least
 * (text/anchors.ts); a 64 K-entry table maps each pair to the literals anchored there, and a line is
 * walked once, byte pair by byte pair, verifying the literals of the pairs it meets. The same walk notes a backslash,
 * which sends a line to the string path anyway (markdown escapes, prefix.ts). Prompt lines never get
 * here: the router reads them before it offers a line to any kind (text/router.ts).
 */
import { KERNEL_LOG_LITERALS } from './rules.js';
import { anchorOffset } from '../text/anchors.js';

/** The line holds none of the literals and nothing that needs the string path. */
export const GATE_NONE = 0;
/** A literal or a backslash: decode the line. */
export const GATE_PASS = 1;

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

interface Anchored { bytes: Uint8Array; offset: number }

/** pair → index+1 into LISTS (0: no literal anchored at that pair). */
const HEAD = new Uint16Array(65536);
const LISTS: Anchored[][] = [];

for (const lit of KERNEL_LOG_LITERALS) {
  const bytes = ascii(lit);
  if (bytes.length < 2 || [...lit].some((ch) => ch.charCodeAt(0) > 0x7e)) throw new Error(`kernel-log literal must be 2+ ASCII bytes: ${JSON.stringify(lit)}`);
  const best = anchorOffset(bytes);
  const pair = (bytes[best]! << 8) | bytes[best + 1]!;
  if (HEAD[pair] === 0) { LISTS.push([]); HEAD[pair] = LISTS.length; }
  LISTS[HEAD[pair]! - 1]!.push({ bytes, offset: best });
}

function verify(buf: Uint8Array, start: number, end: number, at: number, list: readonly Anchored[]): boolean {
  for (const { bytes, offset } of list) {
    const s = at - offset;
    if (s < start || s + bytes.length > end) continue;
    let k = 0;
    while (k < bytes.length && buf[s + k] === bytes[k]) k++;
    if (k === bytes.length) return true;
  }
  return false;
}

/**
 * GATE_PASS when `buf[start, end)` contains a kernel-log literal or a backslash; GATE_NONE otherwise.
 * Sound by construction (every literal is anchored and verified where its anchor occurs); checked on
 * every fixture line and generated ones against the rules' own regex screen.
 */
export function gateLine(buf: Uint8Array, start: number, end: number): number {
  let prev = start < end ? buf[start]! : 0;
  if (prev === 92) return GATE_PASS;
  for (let i = start + 1; i < end; i++) {
    const b = buf[i]!;
    if (b === 92) return GATE_PASS;
    const h = HEAD[(prev << 8) | b]!;
    if (h !== 0 && verify(buf, start, end, i - 1, LISTS[h - 1]!)) return GATE_PASS;
    prev = b;
  }
  return GATE_NONE;
}

/** The anchors chosen, for tests: each literal with the offset of its anchor pair. */
export function gateAnchors(): { literal: string; offset: number }[] {
  return LISTS.flat().map((a) => ({ literal: String.fromCharCode(...a.bytes), offset: a.offset }));
}
