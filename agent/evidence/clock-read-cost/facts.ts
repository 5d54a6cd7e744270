/** Cost of reading the clock (live only). */
import type { SectionBase } from '../kind.js';

export interface ClockReadCostFacts extends SectionBase {
  clocksource: string | null;
  /** Whether this clocksource can be read in the vDSO (no system call). */
  vdso: boolean | null;
  /** Measured median ns per `clock_gettime` from Node (includes Node's own overhead). */
  nsPerRead: number | null;
}
