/**
 * The chrony kind, one line family at a time, on real pastes (test/fixtures/chrony/SOURCE.md) and on
 * inline edge cases; then the two properties every kind keeps: it never throws, and it never claims a
 * file that holds no chrony line.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ChronyFacts } from '../../agent/evidence/chrony/facts.js';
import { createChronyParser } from '../../agent/evidence/chrony/parser.js';
import { chronySyncState, selectedSource } from '../../agent/evidence/chrony/state.js';
import { parseText } from '../../agent/evidence/text/lines.js';
import { CASES, FIX, FOREIGN_DIRS, fixtureFiles, fixtureSection, kindsOfFile, sectionOf } from './kind-helpers.js';

const chrony = (text: string) => sectionOf<ChronyFacts>('chrony', text);
const fixture = (rel: string) => fixtureSection<ChronyFacts>('chrony', rel);

describe('chronyc tracking (text)', () => {
  const f = fixture('chrony/tracking-text-rpi.txt').facts!;
  it('reads every field with chrony\'s signs: slow of NTP time > 0, ppm fast > 0', () => {
    expect(f.tracking).toMatchObject({
      format: 'text', referenceId: '2D203726', referenceName: 'ipv4.ntp3.rbauman.com', stratum: 3, lastOffsetSeconds: -0.000954265,
      rmsOffsetSeconds: 0.000954265, frequencyPpm: 18.127, residualFrequencyPpm: -21.136, skewPpm: 0.013, rootDelaySeconds: 0.010386736,
      updateIntervalSeconds: 64.5, leapStatus: 'Normal',
    });
    expect(f.tracking!.refTimeSeconds).toBe(Date.UTC(2023, 1, 2, 22, 28, 57) / 1000);
  });
  it('keeps the last of several reports, with refs to its lines', () => {
    expect(f.tracking!.systemTimeOffsetSeconds).toBe(0.000502001);
    expect(f.refs['tracking.systemTimeOffsetSeconds']).toMatchObject({ line: 19 });
  });
  it('turns `fast` of NTP time and `ppm slow` into negative values', () => {
    const t = chrony('System time     : 0.25 seconds fast of NTP time\nFrequency       : 31244.098 ppm slow\n').facts!.tracking!;
    expect(t.systemTimeOffsetSeconds).toBe(-0.25);
    expect(t.frequencyPpm).toBe(-31244.098);
  });
  it('reads chrony 1.x–3.x dotted reference IDs and space-padded days', () => {
    const t = fixture('timedatectl/show-timesync-and-chronyc-zabbix.txt').facts!.tracking!;
    expect(t).toMatchObject({ referenceId: '1.2.3.4', referenceName: 'a.b.c', frequencyPpm: 331.898, residualFrequencyPpm: 0.004 });
    expect(t.refTimeSeconds).toBe(Date.UTC(2012, 1, 3, 15, 0, 29) / 1000);
  });
  it('is not timedatectl\'s `Stratum: 2` (chronyc pads its labels before ` : `)', () => {
    expect(chrony('      Stratum: 2\n    Frequency: +12.3ppm\n').facts).toBeNull();
  });
});

describe('chronyc -c tracking (CSV, the collector\'s reader)', () => {
  it('reads the CSV line as the same report', () => {
    const f = chrony('$ chronyc -c tracking\n50484330,PHC0,1,1700000000.123456789,-0.000000012,0.000000003,0.000000015,-12.345,0.001,0.010,0.000001,0.000002,8.0,Normal\n').facts!;
    expect(f.tracking).toMatchObject({ format: 'csv', referenceId: '50484330', referenceName: 'PHC0', frequencyPpm: -12.345, leapStatus: 'Normal' });
  });
  it('a CSV capture file alone is chrony', () => {
    expect(kindsOfFile(path.join(FIX, 'captures', 'firecracker-kvm-6.18-collected', 'commands', 'chronyc-tracking'))).toEqual(['chrony']);
  });
});

describe('chronyc sources', () => {
  it('reads -v with its legend: every line of the output is chrony\'s', () => {
    const { facts, kinds } = fixture('chrony/sources-v-gps-refclock.txt');
    expect(kinds).toEqual(['chrony']);
    const p = createChronyParser();
    const lines = parseText(p, '  .-- Source mode  \'^\' = server, \'=\' = peer, \'#\' = local clock.\n||      Log2(Polling interval) --.      |          |  yyyy = measured offset,\n');
    expect(p.recognised()).toBe(2);
    expect(lines.sources).toEqual([]);
    expect(facts!.sources.map((s) => [s.mode, s.state, s.name])).toEqual([
      ['refclock', 'selected', 'GPS'], ['server', 'unusable', 'time.circlevps.net'], ['server', 'unusable', 'lax1.us.ntp.li'],
      ['server', 'unusable', '50.218.103.254'], ['server', 'unusable', '108.61.215.221.vultruser>'],
    ]);
  });
  it('turns units into seconds, the octal reach into a number, `-` into null', () => {
    const s = fixture('chrony/sources-v-gps-refclock.txt').facts!.sources;
    expect(s[0]).toMatchObject({ stratum: 0, pollLog2: 4, reach: 255, lastRxSeconds: 12, offsetSeconds: -1806e-6, measuredOffsetSeconds: -1922e-6, errorSeconds: 452e-6 });
    expect(s[1]).toMatchObject({ offsetSeconds: -70e-3, errorSeconds: 21e-3 });
    expect(s[4]).toMatchObject({ reach: 0, lastRxSeconds: null, offsetSeconds: 0 });
  });
  it('reads the Azure PHC row', () => {
    const f = fixtureSection<ChronyFacts>('chrony', path.join(CASES, 'azure-chrony-phc-hyperv-healthy', 'ptp-and-chronyc-sources.txt')).facts!;
    expect(selectedSource(f)).toMatchObject({ name: 'PHC0', mode: 'refclock', reach: 255, lastRxSeconds: 12, offsetSeconds: -2082e-9, measuredOffsetSeconds: 15e-6, errorSeconds: 3465e-9 });
    expect(chronySyncState(f)?.state).toBe('synchronised');
  });
  it('reads collapsed spacing, interactive chronyc and leaves a cut row alone', () => {
    expect(fixture('chrony/sources-collapsed-balena.txt').facts!.sources[0]).toMatchObject({ name: '162.159.200.123', state: 'selected', errorSeconds: 9776e-6 });
    const oxide = fixture('chrony/interactive-sources-v-oxide.txt').facts!;
    expect(oxide.sources.map((s) => s.name)).toEqual(['172.20.0.5']);
  });
  it('reads chrony < 4 (`210 Number of sources`, no Reach column in 1.2x) and the CSV form, LastRx with units', () => {
    const f = chrony([
      '210 Number of sources = 2', 'MS Name/IP address           Stratum Poll LastRx Last sample',
      '^* ntp1.example.com              2   6    42   +140us[ +152us] +/-   23ms',
      '^+ ntp2.example.com              2  10   35m    -1.5ms[ -1.4ms] +/-   40ms',
      '^,?,10.0.0.1,3,6,0,4294967295,0.000000000,0.000000000,0.000000000',
    ].join('\n')).facts!;
    expect(f.sourcesCount).toBe(2);
    expect(f.sources[0]).toMatchObject({ reach: null, lastRxSeconds: 42 });
    expect(f.sources[1]).toMatchObject({ lastRxSeconds: 2100, offsetSeconds: -1.5e-3 });
    expect(f.sources[2]).toMatchObject({ mode: 'server', state: 'unusable', reach: 0, name: '10.0.0.1' });
  });
  it('a new table replaces the last one', () => {
    const row = '^* a.example 2 6 377 10 +1us[ +1us] +/- 1ms';
    const f = chrony(`MS Name/IP address Stratum Poll Reach LastRx Last sample\n${row}\n${row.replace('a.example', 'b.example')}\nMS Name/IP address Stratum Poll Reach LastRx Last sample\n${row.replace('a.example', 'c.example')}\n`).facts!;
    expect(f.sources.map((s) => s.name)).toEqual(['c.example']);
  });
});

describe('chronyc sourcestats', () => {
  it('reads the rows below its header, shifted columns included', () => {
    const f = fixture('chrony/sourcestats-redacted.txt').facts!;
    expect(f.sourcestats).toHaveLength(8);
    expect(f.sourcestats[0]).toMatchObject({ name: 'REDACTED.41', samples: 3, runs: 3, spanSeconds: 89, frequencyPpm: 0.132, skewPpm: 0.241, offsetSeconds: 7239e-9, stdDevSeconds: 26e-9 });
    expect(f.sourcestats[2]).toMatchObject({ name: 'REDACTED.231', spanSeconds: 122 });
  });
  it('does not claim a row of that shape without its header or command', () => {
    expect(chrony('time.nist.gov               7   5   201     -0.232      3.480   -102us   114us\n').facts).toBeNull();
    expect(chrony('$ chronyc sourcestats\ntime.nist.gov               7   5   201     -0.232      3.480   -102us   114us\n').facts!.sourcestats).toHaveLength(1);
  });
});

describe('chronyd log lines', () => {
  it('journal lines quoted with `> `: selected, wrong by … adjustment started (slewing), no majority', () => {
    const f = fixture('chrony/journal-nethserver-quoted.txt').facts!;
    expect(f.events.map((e) => [e.kind, e.seconds, e.mode, e.pid])).toEqual([
      ['selected', null, null, 17789], ['clock-wrong', 1721.913772, 'slew', 17789], ['selected', null, null, 17789],
      ['clock-wrong', -1946.984184, 'slew', 17789], ['cant-synchronise', null, null, 17789],
    ]);
    expect(f.events[4]!.subject).toBe('no majority');
    expect(chronySyncState(f)?.state).toBe('unsynchronised');
  });
  it('chronyd\'s own log: version, no driftfile, initial offset (slow = behind = positive), backward jump, selected', () => {
    const f = fixtureSection<ChronyFacts>('chrony', path.join(CASES, 'arm64-lima-colima-m1-guest-clock-behind-after-host-sleep', 'chronyd-log.txt')).facts!;
    expect(f.version).toBe('4.1');
    expect(f.events.map((e) => e.kind)).toEqual(['start', 'no-driftfile', 'initial-frequency', 'initial-offset', 'backward-jump', 'selected']);
    expect(f.events[3]).toMatchObject({ seconds: 978.140307, mode: 'step', stamp: '2022-05-07T08:00:47Z', epochSeconds: Date.UTC(2022, 4, 7, 8, 0, 47) / 1000 });
    expect(f.events[2]!.ppm).toBe(-100000);
    expect(f.events[5]!.subject).toBe('162.159.200.1 (pool.ntp.org)');
  });
  it('debug lines with their source location are chronyd\'s even when no rule knows the message', () => {
    const f = fixture('chrony/debug-log-omnios.txt').facts!;
    expect(f.events).toHaveLength(11);
    expect(f.events[0]).toMatchObject({ kind: 'clock-wrong', seconds: 1.999308, mode: null });
    expect(chrony('2021-11-22T03:33:08Z ntp_core.c:1168:(transmit_timeout) Transmit timeout for 185.32.222.237:123\n').facts!.events[0]!.kind).toBe('other');
  });
  it('steps, jumps, replaced sources, makestep, maxchange, frequency limits, interference, the CSV of a journal', () => {
    const f = chrony([
      'May 07 08:00:43 vm chronyd[612]: System clock was stepped by -3600.000123 seconds',
      'May 07 08:00:44 vm chronyd[612]: Forward time jump detected!',
      'May 07 08:00:45 vm chronyd[612]: Source 1.2.3.4 replaced with 5.6.7.8 (2.pool.ntp.org)',
      'May 07 08:00:46 vm chronyd[612]: New makestep 1.000000 -1',
      'May 07 08:00:47 vm chronyd[612]: Adjustment of 1200.000 seconds exceeds the allowed maximum of 1000.000 seconds (ignored) ',
      'May 07 08:00:48 vm chronyd[612]: Frequency 120000.0 ppm exceeds allowed maximum',
      'May 07 08:00:49 vm chronyd[612]: System clock interference detected (another NTP client?)',
      'May 07 08:00:50 vm chronyd[612]: Loaded seccomp filter (level 2)',
      '506 Cannot talk to daemon',
    ].join('\n')).facts!;
    expect(f.events.map((e) => e.kind)).toEqual(['stepped', 'forward-jump', 'source-replaced', 'makestep-set', 'max-change', 'frequency-limit', 'interference', 'other', 'cannot-talk']);
    expect(f.events[0]!.seconds).toBe(-3600.000123);
    expect(f.events[5]!.ppm).toBe(120000);
  });
  it('untagged, only messages no other program writes count', () => {
    expect(chrony('Selected source 10.0.0.1\n').facts!.events).toHaveLength(1);
    expect(chrony('2022-05-07T08:00:43Z Loaded seccomp filter\nSource 1.2.3.4 online\n').facts).toBeNull();
    expect(chrony('May 07 08:00:43 vm ntpd[1]: Selected source 10.0.0.1\n').facts).toBeNull();
  });
});

describe('chrony.conf and systemctl status', () => {
  it('reads makestep and refclock anywhere, the rest only under a prompt that prints chrony.conf', () => {
    expect(chrony('makestep 1.0 -1\nrefclock PHC /dev/ptp_hyperv poll 3 dpoll -2 offset 0 stratum 2\nserver 10.0.0.1 iburst\n').facts!.config).toMatchObject({
      makestep: { thresholdSeconds: 1, limit: -1, line: 1 }, refclocks: [{ driver: 'PHC', parameter: '/dev/ptp_hyperv', line: 2 }], servers: [], rtcsync: null,
    });
    expect(chrony('$ cat /etc/chrony/chrony.conf\npool 2.debian.pool.ntp.org iburst\nrtcsync\nmakestep 1 3\n').facts!.config).toMatchObject({ servers: ['2.debian.pool.ntp.org'], rtcsync: true, makestep: { limit: 3 } });
  });
  it('reads the unit\'s Active: line under its header only', () => {
    const f = chrony('● chronyd.service - NTP client/server\n   Loaded: loaded (/usr/lib/systemd/system/chronyd.service; enabled)\n   Active: inactive (dead)\n').facts!;
    expect(f.unitActive).toBe('inactive');
    expect(chrony('● sshd.service - OpenSSH\n   Active: active (running)\n').facts).toBeNull();
  });
});

describe('properties', () => {
  it('never throws on arbitrary text, never counts an empty line (seed 4242)', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.string({ maxLength: 120 }), fc.constantFrom(
      '^* a 2 6 377 1 +1us[ +1us] +/- 1ms', 'Reference ID    : 00000000 ()', 'chronyc> ', 'System clock wrong by x seconds', '', '   ',
    )), { maxLength: 40 }), (lines) => {
      const p = createChronyParser('x');
      const f = parseText(p, lines.join('\n'));
      expect(p.recognised()).toBeLessThanOrEqual(lines.filter((l) => l.trim() !== '').length);
      expect(Array.isArray(f.events)).toBe(true);
    }), { numRuns: 300, seed: 4242 });
  });
  const holders = new Set(['dmesg/xen-hvm-aws-amzn2-4.14-xen4.11-messages.txt', 'timedatectl/show-timesync-and-chronyc-zabbix.txt', 'vboxservice/journal-short-full-testvm1-with-chronyd.txt', 'captures/firecracker-kvm-6.18-collected/commands/chronyc-tracking']);
  const files = fixtureFiles(...FOREIGN_DIRS.filter((d) => d !== 'chrony'));
  it('finds the other kinds\' fixtures', () => expect(files.length).toBeGreaterThan(50));
  it.each(files.map((f) => [path.relative(FIX, f), f]))('%s is chrony only where it holds chrony lines', (rel, file) => {
    expect(kindsOfFile(file).includes('chrony')).toBe(holders.has(rel));
  });
});
