/**
 * /proc/timer_list: unit cases per version, HZ inference, golden facts for every corpus file and the
 * live capture (UPDATE_GOLDEN=1, checked by hand), MANIFEST points, this machine, property test.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createTimerListParser, hzFromResolution, inferHz, parseTimerList } from '../../agent/evidence/timer-list/parser.js';
import { parseFile } from '../../agent/sources/file.js';
import { DEFAULT_ROOTS, procPath } from '../../agent/roots.js';
import { ParseError } from '../../agent/errors.js';
import type { TimerListFacts } from '../../agent/facts.js';
import { expectGolden } from '../helpers/golden.js';

const FIX = path.resolve(import.meta.dirname, '..', 'fixtures');
const GOLDEN = path.resolve(import.meta.dirname, '..', 'golden', 'timer-list');
const files = [
  ...fs.readdirSync(path.join(FIX, 'timer_list')).filter((f) => f.endsWith('.txt')).sort().map((f) => `timer_list/${f}`),
  'live/firecracker-kvm-6.18/proc/timer_list',
];
const facts = (rel: string): TimerListFacts => parseFile(path.join(FIX, rel), createTimerListParser(rel)).facts;

const V04_PERIODIC = `Timer List Version: v0.4
HRTIMER_MAX_CLOCK_BASES: 2
now at 1150130000000 nsecs

cpu: 0
 clock 0:
  .base:       c0123456
  .index:      0
  .resolution: 10000000 nsecs
  .get_time:   ktime_get_real
active timers:
  .expires_next   : 9223372036854775807 nsecs
  .hres_active    : 0
  .nohz_mode      : 0
  .idle_tick      : 0 nsecs
jiffies: 85012

Tick Device: mode:     0
Broadcast device
Clock Event Device: <NULL>
tick_broadcast_mask: 00000000

Tick Device: mode:     0
Per CPU device: 0
Clock Event Device: pit
 max_delta_ns:   27461866
 min_delta_ns:   12571
 mult:           5124677
 shift:          32
 mode:           2
 next_event:     0 nsecs
 set_next_event: pit_next_event
 set_mode:       init_pit_timer
 event_handler:  tick_handle_periodic
`;

describe('timer_list unit cases', () => {
  it('v0.4 periodic, low-res: tick mode from the per-CPU device, HZ from the resolution', () => {
    const f = parseTimerList(V04_PERIODIC, 'x');
    expect(f).toMatchObject({ version: 'v0.4', versionNumber: 4, cpus: 1, tickMode: 'periodic', nohz: false, highres: false, hz: 100, perCpuDevice: 'pit', eventHandler: 'tick_handle_periodic', broadcastDevice: null, truncated: false });
    expect(f.clockEventDevices).toEqual(['pit']);
    expect(f.refs.hz?.line).toBe(9); // the .resolution line
  });
  it('the broadcast device\'s mode does not decide the tick mode', () => {
    const text = V04_PERIODIC.replace('Tick Device: mode:     0\nBroadcast device', 'Tick Device: mode:     1\nBroadcast device');
    expect(parseTimerList(text).tickMode).toBe('periodic');
  });
  it('v0.10 flags, lapic-deadline TSC read-out (live capture numbers)', () => {
    const f = facts('live/firecracker-kvm-6.18/proc/timer_list');
    expect(f).toMatchObject({ version: 'v0.10', versionNumber: 10, nohz: true, highres: true, tickMode: 'oneshot', lapicDeadlineTscHz: 2_000_000_000, hz: 250, broadcastDevice: null, clockEventDevices: ['lapic-deadline'] });
  });
  it('HZ from jiffies and now (formats.md §2.2 checks)', () => {
    expect(inferHz(4295954167n, 4247_489_000_000)).toBe(250);
    expect(inferHz(85012n, 1150_130_000_000)).toBe(100);
    expect(inferHz(4294966542n, 294_117_000_000)).toBe(128);
    expect(inferHz(4295309186n, 1667663804159)).toBe(250);
    expect(inferHz(123n, 5_000_000_000_000)).toBeNull();
    expect(hzFromResolution(999848)).toBe(1000);
    expect(hzFromResolution(4000250)).toBe(250);
    expect(hzFromResolution(1)).toBeNull();
  });
  it('ARM with a periodic tick (nohz=off highres=off): the arch timer per CPU, HZ from the resolution (synth from timer_list.c v0.8)', () => {
    const f = parseTimerList([
      'Timer List Version: v0.8', 'HRTIMER_MAX_CLOCK_BASES: 4', 'now at 31359051461713 nsecs', '',
      'cpu: 0', ' clock 0:', '  .base:       00000000', '  .index:      0', '  .resolution: 10000000 nsecs', '  .get_time:   ktime_get', '  .offset:     0 nsecs',
      '  .expires_next   : 31359060000000 nsecs', '  .hres_active    : 0', '  .nohz_mode      : 0', 'jiffies: 3136205196', '',
      'Tick Device: mode:     0', 'Per CPU device: 0', 'Clock Event Device: arch_sys_timer', ' max_delta_ns:   178956969942',
      ' min_delta_ns:   1000', ' mult:           51539608', ' shift:          32', ' mode:           2', ' next_event:     31359060000000 nsecs',
      ' set_next_event: arch_timer_set_next_event_virt', ' shutdown: arch_timer_shutdown_virt', ' event_handler:  tick_handle_periodic', ' retries:        0', '',
    ].join('\n'), 'arm');
    expect(f).toMatchObject({ tickMode: 'periodic', nohz: false, highres: false, hz: 100, perCpuDevice: 'arch_sys_timer', eventHandler: 'tick_handle_periodic', lapicDeadlineTscHz: null, broadcastDevice: null });
  });
  it('reads a SysRq-Q dump from the kernel log', () => {
    const dump = V04_PERIODIC.split('\n').map((l) => `[  100.000000] ${l}`).join('\n');
    expect(parseTimerList(dump)).toMatchObject({ version: 'v0.4', tickMode: 'periodic', perCpuDevice: 'pit' });
  });
  it('rejects other text with a ParseError; never throws anything else (property)', () => {
    expect(() => parseTimerList('hello\n', 'f')).toThrow(ParseError);
    fc.assert(fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom('Timer List Version: v0.9', 'cpu: 0', 'jiffies: 99999999999999999999999', 'Tick Device: mode:     1', ' mult:           1', ' shift:          99', 'now at 5 nsecs')), { maxLength: 30 }), (lines) => {
      try {
        const f = parseTimerList(lines.join('\n'));
        expect(f.clockEventDevices).not.toContain('<NULL>');
      } catch (e) {
        expect(e).toBeInstanceOf(ParseError);
      }
    }), { numRuns: 300 });
  });
});

describe('golden facts for every corpus timer_list', () => {
  for (const rel of files) {
    it(rel, () => {
      const got = `${JSON.stringify(facts(rel), null, 2)}\n`;
      expectGolden(path.join(GOLDEN, `${rel.replace(/\//g, '__')}.json`), got);
    });
  }
});

const MANIFEST: Record<string, Partial<TimerListFacts>> = {
  'timer_list/arm-mt6589-v0.6-gocleverinsignia.txt': { version: 'v0.6', tickMode: 'oneshot', clockEventDevices: ['mt6589-gpt', 'generic_timer'], broadcastDevice: 'mt6589-gpt', perCpuDevice: 'generic_timer' },
  'timer_list/arm-v0.7-arch_mem_timer-jmr540.txt': { version: 'v0.7', tickMode: 'oneshot', clockEventDevices: ['arch_mem_timer'], nowNs: 3899526819, broadcastDevice: null },
  'timer_list/arm-zynq-v0.8-ttc-innofirmware.txt': { version: 'v0.8', cpus: 2, tickMode: 'oneshot', clockEventDevices: ['ttc_clockevent', 'local_timer'], nowNs: 31359051461713 },
  'timer_list/x86-kvm-v0.8-truncated-header-only-heavybrain101.txt': { version: 'v0.8', nowNs: 271580687078942, cpus: 0, truncated: true, tickMode: null, clockEventDevices: [] },
  'timer_list/x86-v0.7-hpet-lapic-csci442.txt': { version: 'v0.7', cpus: 8, nohz: true, broadcastDevice: 'hpet', perCpuDevice: 'lapic', nowNs: 361471977212809 },
  'live/firecracker-kvm-6.18/proc/timer_list': { version: 'v0.10', cpus: 2, perCpuDevice: 'lapic-deadline', eventHandler: 'hrtimer_interrupt' },
};

describe('what MANIFEST.tsv says each timer_list shows', () => {
  it('covers every fixture', () => expect(Object.keys(MANIFEST).sort()).toEqual([...files].sort()));
  for (const [rel, want] of Object.entries(MANIFEST)) it(rel, () => expect(facts(rel)).toMatchObject(want));
});

describe('this machine', () => {
  it('parses the live /proc/timer_list when readable (root only on 5.x+)', () => {
    const p = procPath(DEFAULT_ROOTS, 'timer_list');
    let text: string;
    try { text = fs.readFileSync(p, 'utf8'); } catch { return; }
    const f = parseTimerList(text, p);
    expect(f.versionNumber).toBeGreaterThanOrEqual(4);
    expect(f.cpus).toBeGreaterThanOrEqual(1);
    expect(f.clockEventDevices).not.toContain('<NULL>');
  });
});
