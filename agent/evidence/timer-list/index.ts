/** `timer-list`: /proc/timer_list — tick mode, NO_HZ, clock event devices, HZ. */
import { defineKind, identityMerge } from '../kind.js';
import { createTimerListParser, parseTimerList } from './parser.js';
import { timerListSource } from './source.js';
import type { TimerListFacts } from './facts.js';

function keyFacts(t: TimerListFacts): string[] {
  return [`timer_list ${t.version ?? '?'}: tick ${t.tickMode ?? '?'}${t.nohz !== null ? `, NO_HZ ${t.nohz ? 'on' : 'off'}` : ''}${t.hz !== null ? `, HZ ${t.hz}` : ''}; devices ${t.clockEventDevices.join(', ') || 'none'}${t.truncated ? ' (truncated)' : ''}`];
}

export const timerListKind = defineKind({
  name: 'timer-list',
  key: 'timerList',
  title: 'timer_list (procfs)',
  createParser: createTimerListParser,
  // SysRq-Q dumps /proc/timer_list into the kernel log: its lines then carry a kernel prefix.
  readsClaimedLines: true,
  merge: identityMerge<TimerListFacts>(['version', 'nowNs', 'cpus', 'perCpuDevice']),
  keyFacts,
  collector: {
    help: 'timer_list (procfs): tick mode, NO_HZ, clock event devices (root only on modern kernels)',
    defaultOn: true,
    liveOnly: false,
    source: timerListSource,
    parse: (raw, path) => parseTimerList(raw.text, path),
  },
});
