/** `timer-list`: /proc/timer_list — mode 0400 root on modern kernels, so an unprivileged run gets `failed` saying so. */
import { procFileSource } from '../../sources/proc-file.js';

export const timerListSource = procFileSource(
  'timer-list',
  'timer_list',
  'it is readable by root only (mode 0400) on modern kernels; run as root or grant CAP_DAC_READ_SEARCH',
);
