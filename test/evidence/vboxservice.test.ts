/**
 * The vboxservice kind: the Guest Additions' VBoxService seen from inside the guest — its journal
 * lines and its own log, whose VBox.log-shaped stamp the router offers it for the timesync and main
 * threads (and the VBox.log screen lets through).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { VboxserviceFacts } from '../../agent/evidence/vboxservice/facts.js';
import { createVboxserviceParser } from '../../agent/evidence/vboxservice/parser.js';
import { parseText } from '../../agent/evidence/text/lines.js';
import { readBuffer } from '../../agent/gather/text.js';
import { FIX, FOREIGN_DIRS, fixtureFiles, fixtureSection, kindsOfFile, sectionOf } from './kind-helpers.js';

const vbs = (text: string) => sectionOf<VboxserviceFacts>('vboxservice', text);
const fixture = (rel: string) => fixtureSection<VboxserviceFacts>('vboxservice', rel);

describe('VBoxService lines', () => {
  it('its own log (VBox.log\'s stamp shape) reaches it through the router', () => {
    const { facts, kinds } = fixture('vboxservice/own-log-boot2docker-adjtime.txt');
    expect(kinds).toEqual(['vboxservice']);
    expect(facts!.timeSync.map((t) => [t.kind, t.deltaNs])).toEqual([['other', null], ['drift', 424_598_418_000], ['adjtime', 424_598_418_000]]);
    expect(facts!.timeSync[2]!.atSeconds).toBeCloseTo(1.017296, 6);
  });
  it('journal lines tagged VBoxService[pid], a cut radical change still one', () => {
    const f = fixture('vboxservice/journal-short-full-testvm1-with-chronyd.txt').facts!;
    expect(f.lines).toBe(1);
    expect(f.timeSync.map((t) => [t.kind, t.deltaNs])).toEqual([['radical-guest-change', null]]);
  });
  it('the start banner gives the version; main-thread chatter is not time-sync', () => {
    const f = vbs('00:00:00.000530 main     VBoxService 6.1.16 r140961 (verbosity: 0) linux.amd64 (Oct 15 2020 16:40:46) release log\nMay 06 22:36:03 plc VBoxService[1446]: 00:00:00.006256 main     OS Product: Linux\n').facts!;
    expect(f).toMatchObject({ version: '6.1.16', lines: 2, timeSync: [] });
  });
  it('a VBox.log is still read as one, and its stamped lines are not VBoxService\'s own', () => {
    const file = path.join(FIX, 'vbox', 'v5.0.6-win-intel-none-bayons.log');
    expect(readBuffer('VBox.log', fs.readFileSync(file)).status.kinds).toEqual(['vbox']);
    expect(vbs('00:00:01.017296 VMMDev: Guest Log: 00:00:01.017 timesync vgsvcTimeSyncAdjust: adjtime by 1 000 ns\n').facts).toBeNull();
  });
});

describe('properties', () => {
  it('never throws (seed 8181)', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.string({ maxLength: 120 }), fc.constantFrom('00:00:01.015271 timesync x', 'VBoxService[1]: ', '00:00:00.000 main     VBoxService')), { maxLength: 30 }), (lines) => {
      expect(() => parseText(createVboxserviceParser('x'), lines.join('\n'))).not.toThrow();
    }), { numRuns: 300, seed: 8181 });
  });
  const files = fixtureFiles(...FOREIGN_DIRS.filter((d) => d !== 'vboxservice'));
  it.each(files.map((f) => [path.relative(FIX, f), f]))('%s holds no VBoxService line of the guest', (_rel, file) => {
    expect(kindsOfFile(file)).not.toContain('vboxservice');
  });
});
