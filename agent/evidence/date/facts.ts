/** Clock readings pasted as `date` output, alone or two clocks side by side in a loop. */
import type { LineRef, SectionBase } from '../kind.js';

/** Where a clock was read: on the machine the prompt is on, or inside a VM, container or remote host. */
export type ClockPlace = 'local' | 'vm' | 'container' | 'remote' | 'unknown';

/** One clock reading (also has the keys of LineRef: the line it was printed on). */
export interface DateSample extends LineRef {
  /** Whose clock: the prompt's host, the VM or host a column's command reads (`default`, `db1`), or null. */
  host: string | null;
  /** The command that printed it (`date -u`, `docker-machine ssh default date`), or null. */
  command: string | null;
  place: ClockPlace;
  /** Column in a side-by-side row (0 = first); 0 for a lone reading. */
  column: number;
  /** Row of a comparison (0-based) this reading belongs to, or null for a lone reading. */
  row: number | null;
  /** The reading as printed. */
  text: string;
  /** The wall-clock value shown, seconds since 1970 as if it were UTC. */
  wallSeconds: number;
  /** The instant, when the zone printed is known (`UTC`, `+0000`, `PST`); null otherwise. */
  epochSeconds: number | null;
  zone: string | null;
  /** Seconds per unit of the reading (1 for `date`, 1e-9 for `+%s.%N`). */
  resolutionSeconds: number;
}

/** A step of the second clock against the first (also has the keys of LineRef). */
export interface ClockStep extends LineRef {
  /** Seconds the second clock jumped relative to its own trend (+ forward). */
  seconds: number;
  /** The second clock's reading after the step, as printed. */
  at: string;
}

/** Two clocks read row by row in one loop: the second's rate and steps relative to the first. */
export interface ClockComparison {
  /** The first clock (the reference): its label, command and place. */
  first: { host: string | null; command: string | null; place: ClockPlace };
  second: { host: string | null; command: string | null; place: ClockPlace };
  /** The loop's command as typed, or null. */
  loop: string | null;
  /** The prompt line that ran it, or null. */
  loopLine: LineRef | null;
  rows: number;
  /** Seconds of the first clock the rows cover. */
  spanSeconds: number;
  /** Second-clock seconds per first-clock second, steps excluded; null when the rows cannot show it. */
  rate: number | null;
  ratePpm: number | null;
  /** ±2 standard errors of ratePpm (whole-second readings limit it). */
  uncertaintyPpm: number | null;
  steps: ClockStep[];
  /** Second − first at the first row and at the last row, in seconds. */
  offsetFirstSeconds: number;
  offsetLastSeconds: number;
  /** The first and last rows. */
  firstRow: LineRef;
  lastRow: LineRef;
}

export interface DateFacts extends SectionBase {
  /** Every reading, in order (at most 1000). */
  samples: DateSample[];
  /** Side-by-side loops of two clocks (one per pair of columns). */
  comparisons: ClockComparison[];
}
