/**
 * Where a literal search anchors a literal: at the two-byte pair inside it that logs print least, so
 * a walk over a line's byte pairs stops to verify as seldom as possible. Used by the kernel-log gate
 * (kernel-log/gate.ts) and the WebAssembly settle's tables (line-scan.ts). Only speed depends on the
 * choice, never an answer: every literal is verified where its anchor occurs. Pure.
 */

/** How often logs print a byte, roughly: lowercase letters and spaces are common, the rest rare. */
function commonness(b: number): number {
  if (b === 32) return 9;
  if (b >= 97 && b <= 122) return 'etaoinsrlcdu'.includes(String.fromCharCode(b)) ? 8 : 5;
  if (b >= 48 && b <= 57) return 3;
  return 2;
}

/** The offset in `bytes` (2 or more) of the pair to anchor it at: the first of the rarest. */
export function anchorOffset(bytes: ArrayLike<number>): number {
  let best = 0;
  let bestCost = Infinity;
  for (let k = 0; k + 1 < bytes.length; k++) {
    const cost = commonness(bytes[k]!) * commonness(bytes[k + 1]!);
    if (cost < bestCost) { bestCost = cost; best = k; }
  }
  return best;
}
