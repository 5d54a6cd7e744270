/**
 * The timedatectl kind: status in each systemd spelling, `show`, `timesync-status`, `show-timesync`,
 * on real pastes (test/fixtures/timedatectl/SOURCE.md); common labels alone are never claimed.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { TimedatectlFacts } from '../../agent/evidence/timedatectl/facts.js';
import { createTimedatectlParser, timespan } from '../../agent/evidence/timedatectl/parser.js';
import { timedatectlKind } from '../../agent/evidence/timedatectl/index.js';
import { parseText } from '../../agent/evidence/text/lines.js';
import { FIX, FOREIGN_DIRS, fixtureFiles, fixtureSection, kindsOfFile, sectionOf } from './kind-helpers.js';

const tdc = (text: string) => sectionOf<TimedatectlFacts>('timedatectl', text);
const fixture = (rel: string) => fixtureSection<TimedatectlFacts>('timedatectl', rel).facts!;
const states = (t: TimedatectlFacts) => timedatectlKind.hints!(t).map((h) => (h.about === 'time-sync' ? `${h.daemon}:${h.state}` : h.about));

describe('timedatectl status', () => {
  it('systemd ≥ 239: System clock synchronized, NTP service, RTC in local TZ', () => {
    const t = fixture('timedatectl/status-balena-unsynced-quoted.txt');
    expect(t).toMatchObject({ format: 'status', synchronised: false, ntpService: 'n/a', rtcInLocalTz: false, timeZone: 'n/a (UTC, +0000)', universalTime: 'Sun 2020-03-15 21:00:44 UTC' });
    expect(states(t)).toEqual(['ntp-service:absent', 'system-clock:unsynchronised']);
  });
  it('N/A in capitals; RTC time n/a is null; the last of two outputs wins', () => {
    expect(fixture('timedatectl/status-nixos-ntp-service-na.txt').ntpService).toBe('n/a');
    const o = fixture('timedatectl/status-orbstack-host-synced.txt');
    expect(o).toMatchObject({ rtcTime: null, synchronised: true, ntpService: 'inactive' });
    expect(fixture('timedatectl/status-systemd-247-inactive-then-active.txt').ntpService).toBe('active');
  });
  it('systemd < 236: Network time on / NTP enabled, NTP synchronized', () => {
    const v = fixture('timedatectl/status-legacy-vagrant-betaflight.txt');
    expect(v).toMatchObject({ format: 'status-legacy', ntpEnabled: true, synchronised: true });
    expect(fixture('timedatectl/grep-ntp-after-laptop-sleep.txt')).toMatchObject({ ntpEnabled: true, synchronised: false });
    expect(states(v)).toEqual(['ntp-service:running', 'system-clock:synchronised']);
  });
  it('systemd 236–238: systemd-timesyncd.service active', () => {
    expect(tdc('       System clock synchronized: no\nsystemd-timesyncd.service active: yes\n').facts).toMatchObject({ synchronised: false, ntpEnabled: true });
  });
  it('common labels alone are not timedatectl\'s', () => {
    expect(tdc('Local time: 10:00\nTime zone: Europe/Paris\nServer: nginx\nOffset: +2ms\n').facts).toBeNull();
  });
});

describe('timedatectl show and show-timesync', () => {
  it('key=value, NTPMessage\'s packet count, the raw timex frequency (2^-16 ppm)', () => {
    const t = fixture('timedatectl/show-timesync-and-chronyc-zabbix.txt');
    expect(t.timesync).toMatchObject({ server: 'ntp.ubuntu.com', pollIntervalSeconds: 17 * 60 + 4, packetCount: 25 });
    expect(t.timesync!.frequencyPpm).toBeCloseTo(446926 / 65536, 9);
  });
  it('timedatectl show', () => {
    const t = tdc('$ timedatectl show\nTimezone=Europe/Berlin\nLocalRTC=no\nCanNTP=yes\nNTP=yes\nNTPSynchronized=no\nTimeUSec=Wed 2021-03-03 09:07:17 CET\n').facts!;
    expect(t).toMatchObject({ format: 'show', timeZone: 'Europe/Berlin', rtcInLocalTz: false, canNtp: true, ntpEnabled: true, synchronised: false });
    expect(tdc('[Time]\nNTP=0.pool.ntp.org\n').facts).toBeNull();
  });
});

describe('timedatectl timesync-status', () => {
  it('reads every field, with systemd\'s timespans', () => {
    const t = fixture('timedatectl/timesync-status-debian-slow-link.txt');
    expect(t.timesync).toMatchObject({ server: '(null) (3.debian.pool.ntp.org)', pollIntervalSeconds: 2048, leap: 'normal', stratum: 2, reference: '596DFB17', packetCount: 620 });
    expect(t.timesync!.rootDistanceSeconds).toBeCloseTo(0.04058, 9);
    expect(t.timesync!.offsetSeconds).toBeCloseTo(-1.087495, 9);
    expect(t.timesync!.jitterSeconds).toBeCloseTo(2.300948, 9);
    expect(states(t)).toEqual(['systemd-timesyncd:running', 'systemd-timesyncd:synchronised']);
  });
  it('Packet count: 0 is no reply yet', () => {
    const t = tdc('       Server: 10.0.0.1 (ntp.lan)\nPoll interval: 32s (min: 32s; max 34min 8s)\n Packet count: 0\n').facts!;
    expect(t.timesync!.packetCount).toBe(0);
    expect(states(t)).toContain('systemd-timesyncd:unsynchronised');
  });
  it('timespans: every unit, signs, locale commas, 0', () => {
    expect([timespan('34min 8s'), timespan('23.456ms'), timespan('+7.493693s'), timespan('-1.243ms'), timespan('1us'), timespan('0'), timespan('0,5s'), timespan('soon')])
      .toEqual([2048, 0.023456, 7.493693, -0.001243, 1e-6, 0, 0.5, null]);
    expect(timespan('10month 2w 1d 13h 28min 23.169258s')).toBeCloseTo(10 * 2_629_800 + 2 * 604_800 + 86_400 + 13 * 3600 + 28 * 60 + 23.169258, 6);
  });
});

describe('properties', () => {
  it('never throws (seed 6161)', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.string({ maxLength: 100 }), fc.constantFrom('System clock synchronized: maybe', 'Poll interval: x (min: y; max z)', 'Offset: +1ms', 'NTPMessage={')), { maxLength: 30 }), (lines) => {
      expect(() => parseText(createTimedatectlParser('x'), lines.join('\n'))).not.toThrow();
    }), { numRuns: 300, seed: 6161 });
  });
  const files = fixtureFiles(...FOREIGN_DIRS.filter((d) => d !== 'timedatectl'));
  it.each(files.map((f) => [path.relative(FIX, f), f]))('%s holds no timedatectl output', (_rel, file) => {
    expect(kindsOfFile(file)).not.toContain('timedatectl');
  });
});
