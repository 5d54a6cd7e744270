/** `cmdline`: /proc/cmdline, the kernel command line (clocksource=, tsc=, notsc, no-kvmclock, nohz=...). */
import { procFileSource } from '../../sources/proc-file.js';

export const cmdlineSource = procFileSource('cmdline', 'cmdline');
