/**
 * `cpuinfo`: /proc/cpuinfo (world-readable; hidden by systemd's ProcSubset=pid). Its flags and models
 * are fixed for the boot; CPUs may come and go (hotplug), so the agent re-reads it every 10 minutes.
 */
import { procFileSource } from '../../sources/proc-file.js';
import { rereadEvery } from '../../sources/reread.js';

export const CPUINFO_REREAD_MS = 10 * 60_000;

export const cpuinfoSource = rereadEvery(procFileSource('cpuinfo', 'cpuinfo', 'hidden by ProcSubset=pid or a restrictive procfs mount'), CPUINFO_REREAD_MS);
