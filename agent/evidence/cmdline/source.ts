/**
 * `cmdline`: /proc/cmdline, the kernel command line (clocksource=, tsc=, notsc, no-kvmclock, nohz=...).
 * Fixed for the boot, so the agent reads it once (agent/sources/reread.ts).
 */
import { procFileSource } from '../../sources/proc-file.js';
import { ONCE, rereadEvery } from '../../sources/reread.js';

export const cmdlineSource = rereadEvery(procFileSource('cmdline', 'cmdline'), ONCE);
