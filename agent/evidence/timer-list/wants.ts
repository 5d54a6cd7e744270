/**
 * The timer_list pre-filter: which raw lines `push` (parser.ts) could act on, decided on their bytes,
 * so the lines of a big kernel log — where a SysRq-Q dump may stand — are not decoded for it. Pure.
 *
 * Every rule of the parser, and TIMER_LIST_LINE (what it counts), is anchored at the line's message
 * (after a `[ ts]` / `<N>` kernel prefix when the line starts with one) behind optional spaces: a
 * header or section word, an indented tick-device field, or a `.field` of a CPU section (FIELD also
 * takes one without its dot). So a line is wanted when its message starts, spaces skipped, with a dot
 * and a lower-case letter, or one of those words — in any state (no rule needs a line outside this set to change state).
 */
import { splitPrefixBytes, type ByteSplit } from '../kernel-log/prefix.js';
import { skipSpace } from '../text/bytes.js';
import { StartWords } from '../text/needles.js';

/** The words the parser's rules start with at the message (a superset where cheaper: `mode:` for `Tick Device: mode:`'s fields). */
export const TIMER_LIST_WORDS: readonly string[] = [
  'Timer List Version: v0.', 'HRTIMER_MAX_CLOCK_BASES:', 'now at ', 'cpu: ', 'clock ', 'Tick Device: mode:', 'Clock Event Device: ',
  'Broadcast device', 'jiffies: ', 'event_handler:', 'mult:', 'shift:', 'max_delta_ns:', 'min_delta_ns:', 'mode:', 'next_event:',
  'set_next_event:', 'shutdown:', 'periodic:', 'oneshot:', 'resume:', 'retries:', 'tick_broadcast_mask:', 'tick_broadcast_oneshot_mask:',
  // FIELD's keys in the first CPU section, written without the dot.
  'hres_active', 'highres', 'nohz', 'resolution',
];
const WORDS = new StartWords(...TIMER_LIST_WORDS);

const DOT = 46;
const isLower = (b: number): boolean => b >= 97 && b <= 122;
const BACKSLASH = 92;

function hasBackslash(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] === BACKSLASH) return true;
  return false;
}

/** A pre-filter with its own split scratch (one per parser). */
export function timerListWants(): (buf: Uint8Array, start: number, end: number) => boolean {
  const split: ByteSplit = { shape: 'plain', msgStart: 0, msgEmpty: true, tsZero: false, tsAboveOne: false, kernelPrefix: false };
  return (buf, start, end) => {
    let m = start;
    const c = buf[start];
    if (c === 91 /* [ */ || c === 60 /* < */) {
      // push reads the message splitPrefix finds; the byte split says where it is, except for a line
      // with a markdown escape (unmangle() rewrites it) or one it cannot decide: those are decoded.
      if (hasBackslash(buf, start, end) || !splitPrefixBytes(buf, start, end, split)) return true;
      m = split.msgStart;
    }
    const q = skipSpace(buf, m, end);
    if (q >= end) return false;
    // `.resolution`, `.nohz`: a field's dot is followed by its lower-case name (not `... bit width`).
    if (buf[q] === DOT) return q + 1 < end && isLower(buf[q + 1]!);
    return WORDS.at(buf, q, end);
  };
}
