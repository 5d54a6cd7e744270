/** `cpuinfo`: /proc/cpuinfo (world-readable; hidden by systemd's ProcSubset=pid). */
import { procFileSource } from '../../sources/proc-file.js';

export const cpuinfoSource = procFileSource('cpuinfo', 'cpuinfo', 'hidden by ProcSubset=pid or a restrictive procfs mount');
