/**
 * The ntp kind: `ntpq -p`, `ntpstat`, ntpd's and ntpdate's log lines, on real pastes
 * (test/fixtures/ntp/SOURCE.md) and inline edge cases; the kind never throws and never claims a file
 * without ntpd evidence.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { NtpFacts } from '../../agent/evidence/ntp/facts.js';
import { createNtpParser } from '../../agent/evidence/ntp/parser.js';
import { hasPanicGate } from '../../agent/evidence/ntp/log.js';
import { ntpFrequencyError, ntpInactive, ntpSyncState, systemPeer } from '../../agent/evidence/ntp/state.js';
import { parseText } from '../../agent/evidence/text/lines.js';
import { CASES, FIX, FOREIGN_DIRS, fixtureFiles, fixtureSection, kindsOfFile, sectionOf } from './kind-helpers.js';

const ntp = (text: string) => sectionOf<NtpFacts>('ntp', text);
const fixture = (rel: string) => fixtureSection<NtpFacts>('ntp', rel);

describe('ntpq -p', () => {
  it('reads rows with their tally codes, and leaves ntpdc -p (no refid column) alone', () => {
    const f = fixture('ntp/ntpdc-and-ntpq-p-perfsonar.txt').facts!;
    expect(f.peers.map((p) => [p.tally, p.remote, p.refid, p.stratum])).toEqual([
      ['sys.peer', 'zg1.ntp.CARNet.', '161.53.123.8', 2], ['candidate', 'zg2.ntp.CARNet.', '161.53.123.8', 2], ['reject', 'tack.Informatik', '.STEP.', 16],
    ]);
    expect(f.peers[0]).toMatchObject({ type: 'u', whenSeconds: 117, pollSeconds: 1024, reach: 255, delayMs: 0.417, offsetMs: 0.011, jitterMs: 0.058 });
    expect(f.peers[2]).toMatchObject({ whenSeconds: null, reach: 0 });
    expect(systemPeer(f)?.remote).toBe('zg1.ntp.CARNet.');
  });
  it('reads `when` in days, local clocks, pool pseudo-peers and a `#` root prompt', () => {
    expect(fixture('ntp/ntpq-p-local-clock-alphagov.txt').facts!.peers.at(-1)).toMatchObject({ remote: 'LOCAL(0)', type: 'l', whenSeconds: 5 * 86_400, reach: 0 });
    const pool = fixture('ntp/ntpq-pn-pool-geerlingguy.txt').facts!;
    expect(pool.peers).toHaveLength(9);
    expect(pool.peers[0]).toMatchObject({ tally: 'reject', refid: '.POOL.', type: 'p', stratum: 16 });
    expect(pool.peers.filter((p) => p.tally === 'outlier')).toHaveLength(2);
  });
  it('a table with no system peer and offsets of 93 min is unsynchronised', () => {
    const f = fixture('ntp/ntpq-p-unsynced-93min-offset.txt').facts!;
    expect(f.peers.map((p) => p.offsetMs)).toEqual([5602175, 5602174, 5602175, 5602174]);
    expect(ntpSyncState(f)).toMatchObject({ state: 'unsynchronised', from: 'peers' });
  });
  it('reads rows of an indented table relative to its header', () => {
    const f = ntp('    $ ntpq -p\n         remote           refid      st t when poll reach   delay   offset  jitter\n    ==============================================================================\n    *10.1.89.1       LOCAL(1)         2 u  935 1024  377    0.262    2.591   3.260\n     10.1.89.2       .INIT.          16 u    - 1024    0    0.000    0.000   0.000\n').facts!;
    expect(f.peers.map((p) => [p.tally, p.remote])).toEqual([['sys.peer', '10.1.89.1'], ['reject', '10.1.89.2']]);
  });
  it('ntpq\'s "no answer" means no ntpd runs', () => {
    const f = ntp('$ ntpq -p\nntpq: read: Connection refused\n').facts!;
    expect(f.ntpqNoAnswer).toMatchObject({ line: 2 });
    expect(ntpInactive(f)).toBe(true);
  });
});

describe('ntpstat', () => {
  it('synchronised, with its detail lines (trailing blanks kept)', () => {
    expect(fixture('ntp/ntpstat-synchronised.txt').facts!.ntpstat).toMatchObject({ synchronised: true, server: 'NTP server (202.118.1.130)', stratum: 3, withinMs: 45, pollSeconds: 128 });
  });
  it('unsynchronised and "time server re-starting", indented', () => {
    const f = fixture('ntp/ntpstat-unsynchronised.txt').facts!;
    expect(f.ntpstat).toMatchObject({ synchronised: false, pollSeconds: 8 });
    expect(ntpSyncState(f)?.state).toBe('unsynchronised');
  });
  it('"Unable to talk to NTP daemon"', () => {
    expect(ntp('Unable to talk to NTP daemon. Is it running?\n').facts!.ntpstat).toMatchObject({ noDaemon: true, synchronised: false });
  });
  it('detail lines alone are not ntpstat\'s', () => {
    expect(ntp('   polling server every 64 s\n').facts).toBeNull();
  });
});

describe('ntpd log lines', () => {
  it('a container column (`ntp_1 | `) and ntpd\'s own day-first stamps', () => {
    const f = fixtureSection<NtpFacts>('ntp', path.join(CASES, 'vmware-rancheros-ntpd-no-initial-step-2h-offset', 'ntpd-log-maintainer-repro.txt')).facts!;
    expect(f.events.map((e) => [e.kind, e.status, e.ppm, e.pid, e.stamp])).toEqual([
      ['time-error', 0x41, null, 1, '19 Jul 02:47:08'], ['frequency-error', null, -8960, 1, '19 Jul 02:47:02'],
    ]);
    expect(ntpFrequencyError(f)).toMatchObject({ ppm: -8960, stepped: false, reading: 'unstepped-offset' });
  });
  it('ntpsec categories; a step makes the frequency error a rate', () => {
    const f = fixture('ntp/ntpsec-journal-spr-tsc.txt').facts!;
    expect(f.events.map((e) => [e.kind, e.seconds, e.ppm])).toEqual([['time-error', null, null], ['step', 32.316775, null], ['frequency-error', null, 41699]]);
    expect(ntpFrequencyError(f)?.reading).toBe('rate');
  });
  it('a bare message only ntpd writes counts; a plausible value reads as a rate', () => {
    const f = fixture('ntp/ntp-2.6.18-tsc-frequency-error.txt').facts!;
    expect(f.events).toHaveLength(1);
    expect(ntpFrequencyError(f)).toMatchObject({ ppm: 512, reading: 'rate' });
  });
  it('every message family, old and new', () => {
    const lines = [
      'Jul 19 02:47:08 vm ntpd[1]: ntpd 4.2.8p15@1.3728-o Wed Sep 23 11:46:38 UTC 2020 (1): Starting',
      'Jul 19 02:47:08 vm ntpd[1]: Command line: ntpd -p /var/run/ntpd.pid -g -u 105:108',
      'Jul 19 02:47:09 vm ntpd[1]: 0.0.0.0 c016 06 restart',
      'Jul 19 02:47:10 vm ntpd[1]: 0.0.0.0 c61c 0c clock_step +7199.987654 s',
      'Jul 19 02:47:11 vm ntpd[1]: 0.0.0.0 0617 07 panic_stop -7201 s; set clock manually within 1000 s.',
      'Jul 19 02:47:12 vm ntpd[1]: time reset -0.523401 s',
      'Jul 19 02:47:13 vm ntpd[1]: time correction of -7201 seconds exceeds sanity limit (1000); set clock manually to the correct UTC time.',
      'Jul 19 02:47:14 vm ntpd[1]: synchronized to 10.0.0.1, stratum 2',
      'Jul 19 02:47:15 vm ntpd[1]: kernel time sync status change 2001',
      'Jul 19 02:47:16 vm ntpd[1]: no servers reachable',
      'Jul 19 02:47:17 vm ntpd[1]: step-systime: Operation not permitted',
      'Jul 19 02:47:18 vm ntpd[1]: ntpd exiting on signal 15 (Terminated)',
      'Jul 19 02:47:19 vm ntpd[1]: Listen normally on 2 lo 127.0.0.1:123',
      'Jul 19 02:47:20 vm ntpdate[3544]: step time server 10.0.0.1 offset -3600.000123 sec',
      '29 Sep 22:59:31 ntpdate[5323]: adjust time server 192.168.44.130 offset 0.034930 sec',
    ];
    const f = ntp(lines.join('\n')).facts!;
    expect(f.events.map((e) => e.kind)).toEqual(['start', 'command-line', 'start', 'step', 'sanity-limit', 'step', 'sanity-limit', 'synchronised', 'kernel-status', 'no-servers', 'step-error', 'exit', 'other', 'ntpdate-step', 'ntpdate-adjust']);
    expect(f.events.map((e) => e.seconds)).toEqual([null, null, null, 7199.987654, -7201, -0.523401, -7201, null, null, null, null, null, null, -3600.000123, 0.03493]);
    expect(f.version).toBe('4.2.8p15@1.3728-o');
    expect(f).toMatchObject({ commandLine: 'ntpd -p /var/run/ntpd.pid -g -u 105:108', panicGate: true });
    expect(f.events[8]!.status).toBe(0x2001);
    expect(f.events.at(-1)!.program).toBe('ntpdate');
    expect(ntpInactive(f)).toBe(false);
  });
  it('untagged generic lines are not ntpd\'s; other programs\' tags are not either', () => {
    expect(ntp('Command line: foo -g\nListen normally on 2 lo\n').facts).toBeNull();
    expect(ntp('Jul 19 02:47:08 vm chronyd[1]: time reset +1 s\n').facts).toBeNull();
  });
  it('-g is found bundled or long, not inside other words', () => {
    expect(['ntpd -g', 'ntpd -gq', 'ntpd -nNg -u ntp', 'ntpd --panicgate'].map(hasPanicGate)).toEqual([true, true, true, true]);
    expect(['ntpd -p /var/run/ntpd.pid', 'ntpd --config=/etc/ntp.conf', 'ntpd -u ntp:ntp'].map(hasPanicGate)).toEqual([false, false, false]);
  });
});

describe('properties', () => {
  it('never throws on arbitrary text (seed 5151)', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.string({ maxLength: 120 }), fc.constantFrom(
      '     remote           refid      st t when poll reach   delay   offset  jitter', '*a b 2 u 1 64 377 1 1 1', 'unsynchronised', 'frequency error x PPM exceeds tolerance 500 PPM',
    )), { maxLength: 40 }), (lines) => {
      const p = createNtpParser('x');
      expect(() => parseText(p, lines.join('\n'))).not.toThrow();
    }), { numRuns: 300, seed: 5151 });
  });
  const files = fixtureFiles(...FOREIGN_DIRS.filter((d) => d !== 'ntp'));
  it.each(files.map((f) => [path.relative(FIX, f), f]))('%s holds no ntpd evidence', (_rel, file) => {
    expect(kindsOfFile(file)).not.toContain('ntp');
  });
});

describe('ntpq rows without a header', () => {
  it('are read when an offset is too large for decimals (the pre-filter once wanted three decimals)', () => {
    const row = ' 12.167.151.1    66.85.78.80      3 u    1   64    1   97.264  5602174   2.017';
    const f = parseText(createNtpParser('x'), `${row}\n# Example: a comment after it\n`);
    expect(f.peers.map((p) => [p.remote, p.offsetMs])).toEqual([['12.167.151.1', 5602174]]);
  });
});

describe('ntp key facts', () => {
  it('count ntpdate lines apart from ntpd\'s log', async () => {
    const { ntpKind } = await import('../../agent/evidence/ntp/index.js');
    const f = parseText(createNtpParser('x'), [
      'Dec  4 02:00:01 h ntpdate[812]: step time server 192.0.2.1 offset 1.234567 sec',
      'Dec  4 02:00:05 h ntpd[900]: ntpd 4.2.8p15@1.3728-o Wed Sep 23 11:46:38 UTC 2020 (1): Starting',
      'Dec  4 02:00:06 h ntpd[900]: kernel reports TIME_ERROR: 0x41: Clock Unsynchronized',
    ].join('\n'));
    const facts = ntpKind.keyFacts(f);
    expect(facts.filter((l) => l.startsWith('ntpdate log:'))).toEqual(['ntpdate log: 1 line']);
    expect(facts.some((l) => /^ntpd log: [12] lines?/.test(l))).toBe(true);
  });
});
