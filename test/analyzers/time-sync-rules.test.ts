/**
 * The time-sync state and offset rules on evidence as users paste it: each text is read by the same
 * router `analyze` uses, its sections joined into one machine's facts, and the rules run on those.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readString } from '../../agent/gather/text.js';
import { kindNamed } from '../../agent/evidence/index.js';
import { derive } from '../../agent/derive/index.js';
import type { Facts } from '../../agent/facts.js';
import type { Finding } from '../../agent/findings.js';
import { noDaemon, notSynchronised, phcHealthy } from '../../analyzers/time-sync-state.js';
import { clockJumps, largeOffsetStepped, noInitialStep, vboxSlewing } from '../../analyzers/time-sync-offset.js';
import { daemonCapacity, doubleDiscipline } from '../../analyzers/time-sync.js';
import { runAnalyzers } from '../../analyzers/index.js';
import { cpuinfo, facts as emptyWith, timesync } from './helpers.js';

const FIX = path.resolve(import.meta.dirname, '..', 'fixtures');
const CASES = path.resolve(import.meta.dirname, '..', 'cases');

/** One machine's facts from pasted texts (each read like one input file). */
function pasted(...texts: string[]): Facts {
  const out = emptyWith() as unknown as Record<string, unknown>;
  texts.forEach((t, i) => {
    for (const p of readString(`paste${i + 1}.txt`, t).parts) out[kindNamed(p.kind)!.key] = p.facts;
  });
  return out as unknown as Facts;
}
const file = (rel: string): string => fs.readFileSync(rel.startsWith('cases/') ? path.join(CASES, rel.slice(6)) : path.join(FIX, rel), 'utf8');
const ids = (fs_: Finding[]): string[] => fs_.map((f) => f.id);
/** A finding's own words (not its quoted evidence), as the case scorer reads them. */
function ownWords(v: unknown, key: string | null = null): string[] {
  if (key === 'evidence') return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap((x) => ownWords(x, key));
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => ownWords(x, k));
  return [];
}
const words = (f: Finding): string => ownWords([f]).join('\n');

describe('TIMESYNC_NO_DAEMON', () => {
  const scan = (daemons: Parameters<typeof timesync>[0]) => emptyWith({ timesync: timesync(daemons), kernelLog: null });
  it('a process scan that finds none on a guest: warning, with chrony to install', () => {
    const f = pasted('[    0.000000] Hypervisor detected: KVM\n');
    const facts = { ...f, timesync: timesync([]) };
    const [x] = noDaemon(facts, derive(facts));
    expect(x).toMatchObject({ id: 'TIMESYNC_NO_DAEMON', severity: 'warning', data: { basis: 'scan' } });
    expect(words(x!)).toMatch(/chrony/);
  });
  it('on a Hyper-V guest it names the PHC that nothing reads, and how chrony reads it', () => {
    const facts = { ...pasted('[    0.000000] Hypervisor detected: Microsoft Hyper-V\n'), timesync: timesync([{ name: 'hv_utils', pid: null, cmdline: null }]) };
    const [x] = noDaemon(facts, derive(facts));
    expect(x!.title).toMatch(/hv_utils/);
    expect(words(x!)).toMatch(/refclock PHC \/dev\/ptp_hyperv/);
  });
  it('not when any daemon is seen anywhere (the scan, a journal line)', () => {
    expect(noDaemon(scan([{ name: 'chronyd', pid: 1, cmdline: null }]))).toEqual([]);
    const facts = { ...pasted('May 07 08:00:43 vm chronyd[612]: Selected source 10.0.0.1\n'), timesync: timesync([]) };
    expect(noDaemon(facts, derive(facts))).toEqual([]);
  });
  it('timedatectl alone counts only with an unsynchronised clock (a host agent or an unlisted daemon keeps a synchronised one)', () => {
    expect(noDaemon(pasted(file('timedatectl/status-orbstack-host-synced.txt')))).toEqual([]);
    expect(noDaemon(pasted(file('timedatectl/status-nixos-ntp-service-na.txt')))).toEqual([]);
    const [x] = noDaemon(pasted(file('timedatectl/status-balena-unsynced-quoted.txt')));
    expect(x).toMatchObject({ severity: 'info', data: { basis: 'timedatectl' } });
    expect(x!.detail).toMatch(/ntp-units\.d/);
  });
});

describe('TIMESYNC_NOT_SYNCHRONISED', () => {
  it('chrony with no answering source names the network', () => {
    const f = pasted('$ chronyc sources\nMS Name/IP address         Stratum Poll Reach LastRx Last sample\n===============================================================================\n^? 0.pool.ntp.org                0   6     0     -     +0ns[   +0ns] +/-    0ns\n^? 1.pool.ntp.org                0   6     0     -     +0ns[   +0ns] +/-    0ns\n');
    const [x] = notSynchronised(f);
    expect(x).toMatchObject({ severity: 'warning', data: { daemons: 'chronyd' } });
    expect(x!.title).toMatch(/reach 0.*UDP port 123/);
  });
  it('chrony whose sources answer but are unusable says so; `no majority` is quoted', () => {
    expect(notSynchronised(pasted(file('chrony/sources-v-gps-refclock.txt')))).toEqual([]);
    expect(notSynchronised(pasted(file('chrony/journal-nethserver-quoted.txt')))[0]!.title).toMatch(/no majority/);
  });
  it('ntpd: TIME_ERROR alone is info (ntpd logs it when it takes over the clock), ntpstat\'s unsynchronised a warning', () => {
    expect(notSynchronised(pasted('Oct 30 13:00:26 spr ntpd[3517]: kernel reports TIME_ERROR: 0x41: Clock Unsynchronized\n'))[0]!.severity).toBe('info');
    expect(notSynchronised(pasted(file('ntp/ntpstat-unsynchronised.txt')))[0]!.severity).toBe('warning');
  });
  it('a later synchronised word wins: timedatectl a minute later, chronyd selecting after a failure', () => {
    expect(notSynchronised(pasted(file('timedatectl/status-legacy-vagrant-betaflight.txt')))).toEqual([]);
    expect(notSynchronised(pasted('Jan  1 00:00:01 vm chronyd[1]: Can\'t synchronise: no selectable sources (2 unreachable sources)\nJan  1 00:00:01 vm chronyd[1]: Selected source 10.0.0.1\n'))).toEqual([]);
  });
  it('timesyncd timing out, and timedatectl alone', () => {
    expect(notSynchronised(pasted('Jan 01 00:10:00 vm systemd-timesyncd[400]: Timed out waiting for reply from 91.189.89.198:123 (ntp.ubuntu.com).\n'))[0]!.title).toMatch(/timed out waiting for 91\.189\.89\.198/);
    expect(notSynchronised(pasted(file('timedatectl/grep-ntp-after-laptop-sleep.txt')))[0]!.title).toMatch(/timedatectl/);
  });
});

describe('TIMESYNC_PHC_HEALTHY', () => {
  const azure = pasted(file('cases/azure-chrony-phc-hyperv-healthy/ptp-and-chronyc-sources.txt'));
  it('chrony locked to PHC0, reach 377, µs offsets: info naming the PHC and the hypervisor\'s clock, no fix', () => {
    const [x] = phcHealthy(azure);
    expect(x).toMatchObject({ id: 'TIMESYNC_PHC_HEALTHY', severity: 'info', fixes: [], data: { source: 'PHC0', reach: 255 } });
    expect(words(x!)).toMatch(/PTP/);
    expect(words(x!)).toMatch(/hyperv/);
  });
  it('and nothing else fires on it', () => {
    const r = runAnalyzers(azure, derive(azure));
    expect(ids(r.findings)).toEqual(['TIMESYNC_PHC_HEALTHY']);
  });
  it('not for a server source, a PHC not selected, or a PHC that missed polls', () => {
    expect(phcHealthy(pasted(file('chrony/sources-collapsed-balena.txt')))).toEqual([]);
    const row = (state: string, reach: string) => pasted(`MS Name/IP address         Stratum Poll Reach LastRx Last sample\n#${state} PHC0                          0   3   ${reach}    12  -2082ns[  +15us] +/- 3465ns\n`);
    expect(phcHealthy(row('?', '377'))).toEqual([]);
    expect(phcHealthy(row('*', '177'))).toEqual([]);
    expect(phcHealthy(row('*', '377'))).toHaveLength(1);
  });
});

describe('TIMESYNC_NO_INITIAL_STEP', () => {
  it('ntpd\'s absurd frequency error with no step: no initial step, with ntpd -gq and makestep', () => {
    const [x] = noInitialStep(pasted(file('cases/vmware-rancheros-ntpd-no-initial-step-2h-offset/ntpd-log-maintainer-repro.txt')));
    expect(x).toMatchObject({ id: 'TIMESYNC_NO_INITIAL_STEP', severity: 'warning', data: { frequencyPpm: -8960, daemon: 'ntpd' } });
    expect(words(x!)).toMatch(/ntpd -gq/);
    expect(words(x!)).toMatch(/makestep/);
    expect(words(x!)).toMatch(/500 ppm/);
  });
  it('ntpd\'s sanity limit, and ntpq offsets beyond it', () => {
    const [x] = noInitialStep(pasted('Jul 19 02:47:13 vm ntpd[1]: time correction of -7201 seconds exceeds sanity limit (1000); set clock manually to the correct UTC time.\n'));
    expect(x!.title).toMatch(/2 h 0 min ahead.*-g/);
    expect(noInitialStep(pasted(file('ntp/ntpq-p-unsynced-93min-offset.txt')))[0]!.title).toMatch(/1 h 33 min behind/);
  });
  it('chrony slewing a large offset (no makestep) and what it takes at 83 333 ppm', () => {
    const [x] = noInitialStep(pasted('Jul 17 04:19:28 intranet chronyd[17789]: System clock wrong by 1721.913772 seconds, adjustment started\n'));
    expect(x).toMatchObject({ data: { daemon: 'chronyd', offsetSeconds: 1721.913772 } });
    expect(x!.title).toMatch(/28 min 42 s behind.*5 h 44 min/);
    expect(x!.fixes.map((f) => f.command)).toContain('sudo chronyc makestep');
  });
  it('not for a stepped offset, a rate-like frequency error, or seconds chrony slews in a minute', () => {
    expect(noInitialStep(pasted(file('ntp/ntpsec-journal-spr-tsc.txt')))).toEqual([]);
    expect(noInitialStep(pasted(file('ntp/ntp-2.6.18-tsc-frequency-error.txt')))).toEqual([]);
    expect(noInitialStep(pasted(file('chrony/debug-log-omnios.txt')))).toEqual([]);
    expect(noInitialStep(pasted('May 07 08:00:43 vm chronyd[1]: System clock wrong by 120.0 seconds\nMay 07 08:00:43 vm chronyd[1]: System clock was stepped by 120.0 seconds\n'))).toEqual([]);
  });
});

describe('TIMESYNC_LARGE_OFFSET_STEPPED', () => {
  const lima = pasted(file('cases/arm64-lima-colima-m1-guest-clock-behind-after-host-sleep/chronyd-log.txt'));
  it('978 s slow at start, then a backward jump: the clock stopped while the host slept, and two programs own it', () => {
    const [x] = largeOffsetStepped(lima);
    expect(x).toMatchObject({ severity: 'warning', data: { offsetSeconds: 978.140307, daemon: 'chronyd', backwardJumps: 1 } });
    const w = words(x!);
    for (const re of [/sleep/, /behind/, /chrony/, /resume/, /two programs/]) expect(w).toMatch(re);
    expect(w).not.toMatch(/tsc=|clocksource=/);
  });
  it('a clock ahead by whole hours points at an RTC in local time', () => {
    const [x] = largeOffsetStepped(pasted('Jul 19 02:47:10 vm ntpd[1]: 0.0.0.0 c61c 0c clock_step -7199.987654 s\n'));
    expect(x!.detail).toMatch(/local time/);
    expect(x!.fixes.map((f) => f.command)).toContain('sudo timedatectl set-local-rtc 0');
  });
  it('on bare metal it blames the RTC, not a pause; small steps are info, tiny ones nothing', () => {
    const bare = { ...pasted('May 07 08:00:43 host chronyd[1]: System clock was stepped by 300.0 seconds\n'), cpuinfo: cpuinfo({ hypervisorFlag: false }) };
    expect(derive(bare).platform.role).toBe('bare-metal');
    const [r] = largeOffsetStepped(bare, derive(bare));
    expect(r!.detail).toMatch(/CMOS battery/);
    expect(r!.title).not.toMatch(/guest/);
    expect(largeOffsetStepped(pasted('May 07 08:00:43 vm chronyd[1]: System clock was stepped by 16.2 seconds\n'))[0]!.severity).toBe('info');
    expect(largeOffsetStepped(pasted('May 07 08:00:43 vm chronyd[1]: System clock was stepped by -0.000019 seconds\n'))).toEqual([]);
  });
  it('WSL2 woke 7 h behind: the host fix restarts WSL, not a Hyper-V integration service WSL does not have', () => {
    const wsl = pasted(file('cases/wsl2-guest-clock-behind-after-host-sleep-ntpdate-step/wsl-date-ntpdate.txt'));
    const d = derive(wsl);
    expect(d.platform.hypervisorLabel).toMatch(/WSL/);
    const [x] = largeOffsetStepped(wsl, d);
    expect(x).toMatchObject({ severity: 'warning', data: { offsetSeconds: 26444.133769, daemon: 'ntpdate' } });
    const host = x!.fixes.filter((f) => f.where === 'host');
    expect(host.map((f) => f.command)).toEqual(['wsl --shutdown']);
    expect(words(x!)).not.toMatch(/Enable-VMIntegrationService|tsc=|clocksource=/);
  });
  it('a plain Hyper-V guest still gets the Time Synchronization integration service', () => {
    const hv = pasted('[    0.000000] Hypervisor detected: Microsoft Hyper-V\n', 'May 07 08:00:43 vm chronyd[1]: System clock was stepped by 3600.5 seconds\n');
    const d = derive(hv);
    expect(d.platform.hypervisor).toBe('hyperv');
    expect(d.platform.hypervisorLabel ?? '').not.toMatch(/WSL/);
    const host = largeOffsetStepped(hv, d)[0]!.fixes.filter((f) => f.where === 'host');
    expect(host.map((f) => f.command).join('\n')).toMatch(/Enable-VMIntegrationService/);
  });
  it('a step a rate error built up is left to the capacity rule', () => {
    const f = pasted(file('ntp/ntpsec-journal-spr-tsc.txt'));
    expect(largeOffsetStepped(f)).toEqual([]);
    expect(ids(daemonCapacity(f, derive(f)))).toEqual(['TIMESYNC_DAEMON_CAPACITY']);
  });
});

describe('TIMESYNC_CLOCK_JUMPS', () => {
  it('jumps with no large step of chronyd\'s own', () => {
    const [x] = clockJumps(pasted('May 07 08:00:43 vm chronyd[1]: Forward time jump detected!\nMay 07 08:00:43 vm chronyd[1]: Backward time jump detected!\n'));
    expect(x).toMatchObject({ severity: 'info', data: { backward: 1, forward: 1 } });
    expect(clockJumps(pasted(file('cases/arm64-lima-colima-m1-guest-clock-behind-after-host-sleep/chronyd-log.txt')))).toEqual([]);
  });
});

describe('VBOX_TIMESYNC_SLEWING', () => {
  it('a 7 min lag slewed at 500 ppm: days; the fix lowers the set-threshold', () => {
    const [x] = vboxSlewing(pasted(file('vboxservice/own-log-boot2docker-adjtime.txt')));
    expect(x).toMatchObject({ severity: 'warning', data: { lagSeconds: 424.598, setThresholdMs: 1_200_000 } });
    expect(x!.title).toMatch(/9 d 20 h/);
    expect(x!.fixes[0]!.command).toBe('VBoxManage guestproperty set VM_NAME "/VirtualBox/GuestAdd/VBoxService/--timesync-set-threshold" 10000');
  });
  it('not for the usual 100 ms adjustments', () => {
    expect(vboxSlewing(pasted('00:00:01.017296 timesync vgsvcTimeSyncAdjust: adjtime by 120 000 000 ns\n'))).toEqual([]);
  });
});

describe('TIMESYNC_DOUBLE_DISCIPLINE from a journal alone', () => {
  it('VBoxService and chronyd lines in one journal', () => {
    const f = pasted(file('vboxservice/journal-short-full-testvm1-with-chronyd.txt'));
    const [x] = doubleDiscipline(f, derive(f));
    expect(x).toMatchObject({ severity: 'warning', data: { ntpDaemons: 'chronyd' } });
    expect(x!.evidence.some((e) => /VBoxService\[804\]/.test(e.excerpt))).toBe(true);
    expect(x!.evidence.filter((e) => e.source === 'chrony').map((e) => e.line)).toContain(10);
    expect(x!.fixes[1]!.command).toBe('sudo systemctl disable --now chrony');
  });
  it('timedatectl\'s unnamed NTP service is stopped with set-ntp', () => {
    const f = pasted(file('vboxservice/own-log-boot2docker-adjtime.txt'), file('timedatectl/status-systemd-247-inactive-then-active.txt'));
    expect(doubleDiscipline(f, derive(f))[0]!.fixes[1]!.command).toBe('sudo timedatectl set-ntp false');
  });
});
