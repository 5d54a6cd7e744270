/** The timesyncd kind: systemd-timesyncd's journal lines across versions, and its unit's status. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { TimesyncdFacts } from '../../agent/evidence/timesyncd/facts.js';
import { createTimesyncdParser } from '../../agent/evidence/timesyncd/parser.js';
import { timesyncdInactive, timesyncdSyncState } from '../../agent/evidence/timesyncd/state.js';
import { parseText } from '../../agent/evidence/text/lines.js';
import { FIX, FOREIGN_DIRS, fixtureFiles, fixtureSection, kindsOfFile, sectionOf } from './kind-helpers.js';

const tsd = (text: string) => sectionOf<TimesyncdFacts>('timesyncd', text);
const fixture = (rel: string) => fixtureSection<TimesyncdFacts>('timesyncd', rel).facts!;

describe('systemd-timesyncd lines', () => {
  it('systemd ≥ 252: Contacted and Initial clock synchronization, its debug lines as other', () => {
    const f = fixture('timesyncd/journal-contacted-initial-debian.txt');
    expect(f.events.map((e) => e.kind)).toEqual(['other', 'contacted', 'synchronised', ...Array(10).fill('other')]);
    expect(f.events[1]).toMatchObject({ subject: '23.150.40.242:123 (0.debian.pool.ntp.org)', pid: 477, stamp: 'Sep 02 00:44:45' });
    expect(timesyncdSyncState(f)?.state).toBe('synchronised');
  });
  it('indented journals with two blanks after the tag (243–251 wording)', () => {
    const f = fixture('timesyncd/journal-ubuntu2204-indented.txt');
    expect(f.events.map((e) => e.kind)).toEqual(['network-changed', 'synchronised']);
  });
  it('every message family, old and new; systemd\'s lines about the unit', () => {
    const f = tsd([
      'Jan 01 00:00:05 vm systemd[1]: Starting Network Time Synchronization...',
      'Jan 01 00:00:05 vm systemd[1]: Started Network Time Synchronization.',
      'Jan 01 00:00:06 vm systemd-timesyncd[400]: System clock time unset or jumped backwards, restoring from recorded timestamp: Thu 2020-01-02 10:00:00 UTC',
      'Jan 01 00:00:07 vm systemd-timesyncd[400]: Synchronized to time server 91.189.89.198:123 (ntp.ubuntu.com).',
      'Jan 01 00:00:08 vm systemd-timesyncd[400]: Synchronized to time server for the first time 10.0.0.1:123 (10.0.0.1).',
      'Jan 01 00:10:00 vm systemd-timesyncd[400]: Timed out waiting for reply from 91.189.89.198:123 (ntp.ubuntu.com).',
      'Jan 01 00:11:00 vm systemd-timesyncd[400]: No network connectivity, watching for changes.',
      'Jan 01 00:12:00 vm systemd-timesyncd[400]: Server has too large root distance. Disconnecting.',
      'Jan 01 00:13:00 vm systemd[1]: Stopped Network Time Synchronization.',
    ].join('\n')).facts!;
    expect(f.events.map((e) => e.kind)).toEqual(['unit-started', 'unit-started', 'clock-restored', 'synchronised', 'synchronised', 'timeout', 'no-network', 'root-distance', 'unit-stopped']);
    expect(f.events[2]!.subject).toBe('Thu 2020-01-02 10:00:00 UTC');
    expect(timesyncdSyncState(f)).toMatchObject({ state: 'unsynchronised', event: { kind: 'root-distance' } });
    expect(timesyncdInactive(f)).toBe(true);
  });
  it('systemctl status: Active and the Status line', () => {
    const f = tsd('● systemd-timesyncd.service - Network Time Synchronization\n     Loaded: loaded (/lib/systemd/system/systemd-timesyncd.service; enabled)\n     Active: active (running) since Tue 2023-11-28 15:52:13 CET; 6 days ago\n     Status: "Initial synchronization to time server 213.5.132.231:123 (2.debian.pool.ntp.org)."\n').facts!;
    expect(f.unitActive).toBe('active');
    expect(f.events.map((e) => e.kind)).toEqual(['synchronised']);
  });
  it('untagged: only its own sentences; other tags never', () => {
    expect(tsd('Timed out waiting for reply from 1.2.3.4:123 (ntp).\n').facts!.events).toHaveLength(1);
    expect(tsd('Failed to connect\nJan 01 vm chronyd[1]: Timed out waiting for reply from 1.2.3.4:123 (x).\n').facts).toBeNull();
  });
});

describe('properties', () => {
  it('never throws (seed 7171)', () => {
    fc.assert(fc.property(fc.array(fc.string({ maxLength: 120 }), { maxLength: 30 }), (lines) => {
      expect(() => parseText(createTimesyncdParser('x'), lines.join('\n'))).not.toThrow();
    }), { numRuns: 300, seed: 7171 });
  });
  const files = fixtureFiles(...FOREIGN_DIRS.filter((d) => d !== 'timesyncd'));
  it.each(files.map((f) => [path.relative(FIX, f), f]))('%s holds no timesyncd line', (_rel, file) => {
    expect(kindsOfFile(file)).not.toContain('timesyncd');
  });
});
