/**
 * VMware rules (analyzers/vmware.ts, analyzers/vmware-tools.ts) on the real logs and on inline facts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createVmwareParser, emptyVmwareFacts } from '../../agent/evidence/vmware/parser.js';
import { createVmtoolsParser } from '../../agent/evidence/vmtools/parser.js';
import type { VmwareFacts } from '../../agent/evidence/vmware/facts.js';
import { parseText } from '../../agent/evidence/text/lines.js';
import { readString } from '../../agent/gather/text.js';
import type { VmtoolsFacts } from '../../agent/evidence/vmtools/facts.js';
import { derive } from '../../agent/derive/index.js';
import { estimatesDisagree, hostTscUnsynchronised, psQuote, vmStunned } from '../../analyzers/vmware.js';
import { KB1189_KEYS, oneTimeSyncStep, periodicWithNtp } from '../../analyzers/vmware-tools.js';
import { facts, timesync } from './helpers.js';
import type { Facts } from '../../agent/facts.js';

const FIX = path.resolve(import.meta.dirname, '..', 'fixtures', 'vmware');
const log = (name: string): VmwareFacts => parseText(createVmwareParser(name), fs.readFileSync(path.join(FIX, name), 'utf8'));
const vm = (over: Partial<VmwareFacts>): VmwareFacts => ({ ...emptyVmwareFacts('vmware.log'), ...over });
const run = (f: Facts) => estimatesDisagree(f, derive(f));

describe('VMWARE_TSC_ESTIMATES_DISAGREE', () => {
  it('Workstation 7.0: fires, names both rates, the nominal sides with the rate used, the KB 1591 fix with host.cpukHz', () => {
    const [f] = run(facts({ vmware: log('ws7.0.0-win-ubuntu10.04-euanhume-vmware.log') }));
    expect(f).toBeDefined();
    expect(f!.severity).toBe('warning');
    expect(f!.title).toContain('2 000 000 000 Hz');
    expect(f!.title).toContain('1 946 477 000 Hz');
    expect(f!.data).toMatchObject({ usedHz: 2_000_000_000, measuredHz: 1_946_477_000, usedSource: 'osReported', favoured: 'used', ptscSource: 'reference-clock', suggestedCpukHz: 2_000_000 });
    expect(f!.data!.differencePpm as number).toBeCloseTo(-26_761.5, 0);
    expect(f!.detail).toMatch(/reference clock/);
    expect(f!.fixes[0]).toMatchObject({ where: 'host' });
    expect(f!.fixes[0]!.summary).toMatch(/host\.cpukHz = "2000000", host\.noTSC = "TRUE", ptsc\.noTSC = "TRUE"/);
    expect(f!.fixes[0]!.command).toBe(`Add-Content -Path 'C:\\ProgramData\\VMware\\VMware Workstation\\config.ini' -Value 'host.cpukHz = "2000000"','host.noTSC = "TRUE"','ptsc.noTSC = "TRUE"'`);
    expect(f!.evidence[0]?.excerpt).toContain('TSC kHz estimates: vmmon 1946477, osReported 2000000.');
  });

  it('Workstation 10.0 and Player 17: no disagreement (vmmon is the rate used; Player has no measurement)', () => {
    expect(run(facts({ vmware: log('ws10.0.3-win-haswell-dogecoin-vmware.log') }))).toEqual([]);
    expect(run(facts({ vmware: log('player17.0.2-win-arch-gica434-vmware.log') }))).toEqual([]);
  });

  it('at 1000 ppm it is one rate read twice; above it, two rates', () => {
    const at = vm({ tscUsedHz: 2_000_000_000, tscMeasuredHz: 1_998_000_000 });
    expect(run(facts({ vmware: at }))).toEqual([]);
    expect(run(facts({ vmware: { ...at, tscMeasuredHz: 1_997_990_000 } }))).toHaveLength(1);
  });

  it('PTSC on the hardware TSC: the guest\'s tsc clocksource runs at the ratio; a Linux host gets a tee command on its config', () => {
    const v = vm({ tscUsedHz: 1_500_000_000, tscMeasuredHz: 474_579_000, ptscSource: 'tsc', hostOs: 'Linux 2.6.38-8-generic', hostCpu: 'Intel(R) Pentium(R) M processor 1.50GHz', hostConfigPath: '/etc/vmware/config',
      tscEstimates: [{ source: 'vmmon', hz: 474_579_000 }, { source: 'cpuinfo', hz: 1_500_000_000 }], refs: { tscUsedHz: { line: 3, excerpt: 'TSC kHz estimates: …' } } });
    const [f] = run(facts({ vmware: v }));
    expect(f!.detail).toMatch(/PTSC, the time base of the guest's virtual TSC, is the hardware TSC/);
    expect(f!.detail).toMatch(/timeTracker/);
    expect(f!.data!.usedSource).toBe('cpuinfo');
    expect(f!.fixes[0]!.command).toBe(`printf '%s\\n' 'host.cpukHz = "1500000"' 'host.noTSC = "TRUE"' 'ptsc.noTSC = "TRUE"' | sudo tee -a /etc/vmware/config`);
  });

  it('a config path with unusual characters gets no PowerShell command, only the path named', () => {
    const v = vm({ tscUsedHz: 2_000_000_000, tscMeasuredHz: 1_900_000_000, hostConfigPath: 'C:\\Program Data\\VMware\u2019s\\config.ini' });
    const [f] = run(facts({ vmware: v }));
    expect(f!.fixes[0]!.command).toBeUndefined();
    expect(f!.fixes[0]!.summary).toContain('config.ini');
    expect(psQuote("C:\\it's\\a.ini")).toBe("'C:\\it''s\\a.ini'");
    expect(psQuote('C:\\$(calc)')).toBeNull();
  });
});

describe('VMWARE_HOST_TSC_UNSYNCHRONISED and VMWARE_VM_STUNNED', () => {
  it('unsynchronised host TSCs are a warning with a firmware fix', () => {
    const [f] = hostTscUnsynchronised(facts({ vmware: vm({ tscSynchronized: false, tscMinDeltaCycles: 12_000 }) }));
    expect(f).toMatchObject({ id: 'VMWARE_HOST_TSC_UNSYNCHRONISED', severity: 'warning' });
    expect(hostTscUnsynchronised(facts({ vmware: vm({ tscSynchronized: true }) }))).toEqual([]);
  });
  it('a stun of seconds is info; a sub-second one is nothing', () => {
    const ev = (us: number) => ({ kind: 'stun' as const, durationUs: us, detail: null, atSeconds: 1, line: 1, excerpt: `Checkpoint_Unstun: vm stopped for ${us} us` });
    expect(vmStunned(facts({ vmware: vm({ events: [ev(574_655)] }) }))).toEqual([]);
    const [f] = vmStunned(facts({ vmware: vm({ events: [ev(574_655), ev(3_711_025)] }) }));
    expect(f).toMatchObject({ id: 'VMWARE_VM_STUNNED', severity: 'info', data: { stuns: 1, longestSeconds: 3.711 } });
  });
});

describe('VMTOOLS_ONE_TIME_SYNC_STEP', () => {
  const CASE = path.resolve(import.meta.dirname, '..', 'cases', 'vmware-tools-onetime-sync-steps-guest-to-unsynced-esxi-clock', 'journalctl-vmtoolsd.txt');
  const tools = (text: string) => parseText(createVmtoolsParser('journal.txt'), text);
  it('the real case: warning, names Tools, the host clock, the one-off sync, how far the clock moved, NTP on ESXi and every KB 1189 key', () => {
    const [f] = oneTimeSyncStep(facts({ vmtools: tools(fs.readFileSync(CASE, 'utf8')) }));
    expect(f).toMatchObject({ id: 'VMTOOLS_ONE_TIME_SYNC_STEP', severity: 'warning' });
    expect(f!.title).toMatch(/VMware Tools .* host's \(ESXi\) clock .* one-off time sync \(\+57 min 22 s\)/);
    expect(f!.detail).toMatch(/moved \+57 min 22 s in between/);
    expect(f!.detail).toMatch(/even when periodic time sync is disabled/);
    const text = f!.fixes.map((x) => x.summary).join('\n');
    expect(text).toMatch(/configure NTP on the ESXi host/);
    for (const k of KB1189_KEYS) expect(text).toContain(`${k} = "FALSE"`);
    expect(f!.fixes.map((x) => x.where)).toEqual(['host', 'host', 'guest']);
    expect(JSON.stringify(f)).not.toMatch(/tsc=reliable|notsc|clocksource=jiffies/);
  });
  it('says ntpd runs too, and no step is no finding', () => {
    const withNtpd = facts({ vmtools: tools('[   debug] [timeSync] One time synchronization: stepping time.'), timesync: timesync([{ name: 'ntpd', pid: 1, cmdline: 'ntpd' }]) });
    expect(oneTimeSyncStep(withNtpd)[0]!.detail).toContain('ntpd runs in this guest as well');
    expect(oneTimeSyncStep(facts({ vmtools: tools('[   debug] [timeSync] One time synchronization: correction not needed.') }))).toEqual([]);
  });
  it('tools.conf disable-all already set: no guest fix that repeats it', () => {
    const [f] = oneTimeSyncStep(facts({ vmtools: tools('[   debug] [timeSync] One time synchronization: stepping time.\n[timeSync]\ndisable-all=true') }));
    expect(f!.fixes.every((x) => x.where === 'host')).toBe(true);
  });
});

describe('VMTOOLS_PERIODIC_SYNC_WITH_NTP', () => {
  it('periodic Tools sync with chrony running is a warning; without an NTP daemon it is nothing', () => {
    const t = readString('paste.txt', '$ vmware-toolbox-cmd timesync status\nEnabled').parts.find((p) => p.kind === 'vmtools')!.facts as VmtoolsFacts;
    expect(periodicWithNtp(facts({ vmtools: t, timesync: timesync([{ name: 'chronyd', pid: 1, cmdline: 'chronyd' }]) }))[0]).toMatchObject({ id: 'VMTOOLS_PERIODIC_SYNC_WITH_NTP', severity: 'warning' });
    expect(periodicWithNtp(facts({ vmtools: t }))).toEqual([]);
  });
});
