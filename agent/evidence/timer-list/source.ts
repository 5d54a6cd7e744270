/**
 * `timer-list`: /proc/timer_list — mode 0400 root on modern kernels, so an unprivileged run gets `failed`
 * saying so. The facts taken from it (clock event devices, tick mode, NO_HZ, high resolution, HZ) change
 * rarely, while the file is long (one section per CPU): the agent re-reads it every 10 minutes.
 */
import { procFileSource } from '../../sources/proc-file.js';
import { rereadEvery } from '../../sources/reread.js';

export const TIMER_LIST_REREAD_MS = 10 * 60_000;

export const timerListSource = rereadEvery(
  procFileSource(
    'timer-list',
    'timer_list',
    'it is readable by root only (mode 0400) on modern kernels; run as root or grant CAP_DAC_READ_SEARCH',
  ),
  TIMER_LIST_REREAD_MS,
);
