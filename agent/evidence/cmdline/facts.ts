/** Kernel command line facts (/proc/cmdline). */
import type { SectionBase } from '../kind.js';

export interface CmdlineFacts extends SectionBase {
  raw: string;
  clocksource: string | null;
  /** Every `tsc=` value in order (`reliable`, `nowatchdog`, ...). */
  tsc: string[];
  notsc: boolean;
  noKvmclock: boolean;
  nohz: string | null;
  nohzFull: string | null;
  divider: number | null;
  hpet: string | null;
  lpj: number | null;
  tscEarlyKhz: number | null;
}
