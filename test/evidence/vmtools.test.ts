/**
 * VMware Tools evidence (agent/evidence/vmtools): vmtoolsd's timeSync lines in the journal, in syslog
 * and in its own log (old local and new UTC stamps), `vmware-toolbox-cmd` output after a prompt,
 * tools.conf `[timeSync]`; the stamp difference a step leaves; never a claim on other kinds' lines.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createVmtoolsParser, MESSAGES, stampDelta } from '../../agent/evidence/vmtools/parser.js';
import { vmtoolsLine } from '../../agent/evidence/vmtools/wants.js';
import { sectionOf } from './kind-helpers.js';
import type { VmtoolsFacts } from '../../agent/evidence/vmtools/facts.js';
import { readString } from '../../agent/gather/text.js';
import { parseText } from '../../agent/evidence/text/lines.js';

const FIX = path.resolve(import.meta.dirname, '..', 'fixtures');
const CASE = path.resolve(import.meta.dirname, '..', 'cases', 'vmware-tools-onetime-sync-steps-guest-to-unsynced-esxi-clock', 'journalctl-vmtoolsd.txt');
const parse = (text: string): VmtoolsFacts => parseText(createVmtoolsParser('t'), text);
function recognisedIn(text: string): number {
  const p = createVmtoolsParser(null);
  for (const [i, line] of text.split(/\r?\n/).entries()) p.push(line, i + 1);
  return p.recognised();
}

describe('vmtoolsd timeSync lines', () => {
  it('the real case: a one-off step, and the journal stamped the lines 57 min 22 s after vmtoolsd did', () => {
    const f = parse(fs.readFileSync(CASE, 'utf8'));
    expect(f.oneTimeSteps).toBe(1);
    expect(f.events.map((e) => e.kind)).toEqual(['backdoor', 'backdoor', 'one-time-step']);
    expect(f.events[2]).toMatchObject({ pid: 17119, journalStamp: 'Oct 03 19:52:41', toolStamp: 'Oct 03 18:55:19.393', stampDeltaSeconds: 3441.607 });
    expect(f.clockMovedSeconds).toBe(3441.607);
    expect(f.pids).toEqual([17119]);
  });

  it.each([
    ['journal, old local stamp', 'Oct 03 19:52:41 x vmtoolsd[17119]: [Oct 03 18:55:19.393] [   debug] [timeSync] Periodic synchronization: stepping time.'],
    ['own log, new UTC stamp, domain and thread', '[2018-02-22T21:17:38.517Z] [   debug] [vmsvc:timeSync] [1234] Periodic synchronization: stepping time.'],
    ['cached line', '[cached at 2018-02-22T21:17:38.517Z] [   debug] [vmsvc:timeSync] [1234] Periodic synchronization: stepping time.'],
    ['syslog ISO stamp', '2018-10-03T19:52:41+0200 host vmtoolsd[17119]: [   debug] [timeSync] Periodic synchronization: stepping time.'],
    ['pasted bare message', '   Periodic synchronization: stepping time.'],
  ])('%s', (_label, line) => {
    const f = parse(line);
    expect(f.periodicSteps).toBe(1);
    expect(f.events[0]?.kind).toBe('periodic-step');
  });

  it('every message family of the plugin', () => {
    const f = parse([
      '[   debug] [timeSync] Starting time sync loop.',
      '[   debug] [timeSync] One time synchronization: correction not needed.',
      '[   debug] [timeSync] Periodic synchronization: slewing time.',
      '[   debug] [timeSync] Time changed by 3441607000us from 1538589319.393000 -> 1538592761.000000',
      '[   debug] [timeSync] Guest resync: stepping time.',
      '[ warning] [timeSync] Unable to sync time during startup.',
      '[   debug] [timeSync] All time synchronization is disabled.',
      '[   debug] [timeSync] Stopping time sync loop.',
    ].join('\n'));
    expect(f.events.map((e) => e.kind)).toEqual(['loop-start', 'one-time-not-needed', 'periodic-slew', 'time-changed', 'guest-resync', 'error', 'sync-disabled', 'loop-stop']);
    expect(f.events[3]?.amountUs).toBe(3_441_607_000);
    expect(f.periodicSync).toBe(false);
    expect(f.disableAll).toBe(true);
  });

  it('restarts: every pid of vmtoolsd is kept', () => {
    const f = parse('Oct 03 19:52:41 x vmtoolsd[100]: [Oct 03 19:52:41.000] [ message] [vmsvc] Core dump limit set to -1\nOct 03 20:00:00 x vmtoolsd[200]: [Oct 03 20:00:00.000] [   debug] [timeSync] One time synchronization: stepping time.');
    expect(f.pids).toEqual([100, 200]);
  });
});

describe('commands and tools.conf', () => {
  it('vmware-toolbox-cmd timesync status and -v after their prompts', () => {
    const r = readString('paste.txt', '$ vmware-toolbox-cmd -v\n10.0.5.52125 (build-3227872)\n$ vmware-toolbox-cmd timesync status\nEnabled\n');
    const part = r.parts.find((p) => p.kind === 'vmtools');
    expect(part?.facts).toMatchObject({ version: '10.0.5.52125 (build-3227872)', periodicSync: true });
  });

  it('"Enabled" without the command above it is nobody\'s', () => {
    expect(recognisedIn('Enabled')).toBe(0);
  });

  it('tools.conf [timeSync] disable-all / disable-periodic, only in that section', () => {
    const f = parse('[logging]\ndisable-all=true\n[timeSync]\n# the default\n#disable-all=false\ndisable-all=true\ndisable-periodic = false\n');
    expect(f.disableAll).toBe(true);
    expect(f.disablePeriodic).toBe(false);
    expect(f.refs.disableAll?.line).toBe(6);
  });
});

describe('stamps', () => {
  it('compares local with local and zoned with zoned, never local with UTC', () => {
    expect(stampDelta('Oct 03 19:52:41', 'Oct 03 18:55:19.393')).toBe(3441.607);
    expect(stampDelta('Jan 01 00:00:05', 'Dec 31 23:59:55.000')).toBe(10);
    expect(stampDelta('2018-10-03T19:52:41+0200', '2018-10-03T17:52:40.000Z')).toBe(1);
    expect(stampDelta('Oct 03 19:52:41', '2018-10-03T17:52:40.000Z')).toBeNull();
  });
});

describe('robustness', () => {
  it('never throws on arbitrary text (property, seed 7)', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom('vmtoolsd[1]: ', '[timeSync]', '[   debug] [timeSync] ', 'One time synchronization: stepping time.', 'Oct 03 19:52:41 x ')), { maxLength: 20 }), (parts) => {
      const p = createVmtoolsParser(null);
      for (const [i, l] of parts.join('').split('\n').entries()) p.push(l, i + 1);
      if (p.recognised() > 0) expect(() => p.finish()).not.toThrow();
    }), { seed: 7, numRuns: 400 });
  });

  const others = ['dmesg', 'vbox', 'cpuinfo', 'timer_list', 'vmware'].flatMap((d) => fs.readdirSync(path.join(FIX, d)).filter((n) => !n.endsWith('.md') && !n.endsWith('.tsv')).map((n) => `${d}/${n}`));
  it.each(others)('claims no line of %s', (rel) => {
    expect(recognisedIn(fs.readFileSync(path.join(FIX, rel), 'utf8'))).toBe(0);
  });
});

describe('the byte pre-filter (wants.ts)', () => {
  const wanted = (s: string): boolean => { const b = Buffer.from(s, 'utf8'); return vmtoolsLine(b, 0, b.length); };

  it('lets through, pasted bare, every message only the timeSync plugin prints (each distinctive rule has a sample here)', () => {
    const samples = [
      'One time synchronization: stepping time from 1 to 2', 'One time synchronization: correction not needed', 'Periodic synchronization: stepping time',
      'Periodic synchronization: slewing time', 'Time changed by -1234us from 1 to 2', 'Starting time sync loop', 'Stopping time sync loop',
      'All time synchronization is disabled', 'Periodic time synchronization is disabled', 'Guest resync: stepping time', 'Using BDOOR_CMD_GETTIMEFULL',
      'BDOOR_CMD_GETTIMEFULL_WITH_LAG not supported',
    ];
    for (const rule of MESSAGES.filter((r) => r.distinctive)) expect(samples.some((s) => rule.re.test(s)), `a sample for ${rule.re}`).toBe(true);
    for (const s of samples) {
      expect(wanted(s), s).toBe(true);
      expect(wanted(`\u00a0\t${s}`), `${s}, indented`).toBe(true);
    }
  });

  it('lets through every prefix splitLine reads, and not kernel or other syslog lines', () => {
    for (const l of [
      'Oct 03 19:52:41 host vmtoolsd[17119]: x', 'Oct  3 19:52:41.123 host vmsvc: x', '2018-02-22T21:17:38.517Z host vmtoolsd[1]: x',
      '2018-02-22 21:17:38,517+0100 h vmware-vmsvc: x', 'vmtoolsd[5]: x', '[Oct 03 18:55:19.393] [   debug] [timeSync] x', '[ message] [vmsvc] x', '[timeSync]',
    ]) expect(wanted(l), l).toBe(true);
    for (const l of ['[    0.000000] Linux version', 'Oct 03 19:52:41 host kernel: x', '2018-02-22T21:17:38.517Z host chronyd[1]: x', 'disable-all = true', '']) {
      expect(wanted(l), l).toBe(false);
    }
  });

  it('reads tools.conf\'s [timeSync] keys and vmware-toolbox-cmd output in state (through the router)', () => {
    const conf = sectionOf<VmtoolsFacts>('vmtools', ['[    0.000000] Linux version 5.4', '[timeSync]', 'disable-all = true', '[guestinfo]', 'disable-periodic = true'].join('\n'));
    expect(conf.facts?.disableAll).toBe(true);
    expect(conf.facts?.disablePeriodic).toBeNull();
    const out = sectionOf<VmtoolsFacts>('vmtools', ['$ vmware-toolbox-cmd timesync status', 'Disabled', '$ vmware-toolbox-cmd -v', '12.1.5.20735 (build-20735119)'].join('\n'));
    expect(out.facts?.periodicSync).toBe(false);
    expect(out.facts?.version).toBe('12.1.5.20735 (build-20735119)');
  });
});
