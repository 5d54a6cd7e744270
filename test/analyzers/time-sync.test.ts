import { describe, expect, it } from 'vitest';
import { daemonCapacity, doubleDiscipline, ntpdOnVm, timesyncSteps } from '../../analyzers/time-sync.js';
import { documentedVbox, facts, kernelLog, timesync, vbox } from './helpers.js';

const chronyd = { name: 'chronyd' as const, pid: 600, cmdline: '/usr/sbin/chronyd -F 1' };
const ntpd = { name: 'ntpd' as const, pid: 700, cmdline: '/usr/sbin/ntpd -p /var/run/ntpd.pid' };
const vboxService = { name: 'VBoxService' as const, pid: 800, cmdline: '/usr/sbin/VBoxService --pidfile /var/run/vboxadd-service.sh', vboxTimesync: { enabled: true, intervalMs: null, minAdjustMs: null, setThresholdMs: null, setStart: null, setOnRestore: null } };

describe('TIMESYNC_DOUBLE_DISCIPLINE (R5)', () => {
  it('VBoxService time sync and chronyd both running → warning with both fixes', () => {
    const [f] = doubleDiscipline(facts({ timesync: timesync([chronyd, vboxService]), vbox: vbox() }));
    expect(f).toMatchObject({ id: 'TIMESYNC_DOUBLE_DISCIPLINE', severity: 'warning' });
    expect(f!.fixes.map((x) => x.command)).toEqual(['VBoxManage setextradata web "VBoxInternal/Devices/VMMDev/0/Config/GetHostTimeDisabled" 1', 'sudo systemctl disable --now chrony']);
  });

  it('not when VBoxService runs with time sync disabled', () => {
    const off = { ...vboxService, vboxTimesync: { ...vboxService.vboxTimesync, enabled: false } };
    expect(doubleDiscipline(facts({ timesync: timesync([chronyd, off]) }))).toEqual([]);
  });

  it('not when the host refuses host time (GetHostTimeDisabled)', () => {
    const v = vbox({ extradata: { tscTicksPerSecond: null, tscMode: null, getHostTimeDisabled: true, warpDrivePercentage: null } });
    expect(doubleDiscipline(facts({ timesync: timesync([chronyd, vboxService]), vbox: v }))).toEqual([]);
  });

  it('sees VBoxService at work through its adjtime lines in the kernel log', () => {
    const k = kernelLog({ timeSync: [{ line: 40, excerpt: 'vgsvcTimeSyncAdjust: adjtime by 0.120000000', atSeconds: 40, kind: 'adjtime', deltaNs: 120e6 }] });
    expect(doubleDiscipline(facts({ timesync: timesync([ntpd]), kernelLog: k }))[0]!.evidence[0]).toMatchObject({ source: 'kernel-log', line: 40 });
  });
});

describe('TIMESYNC_DAEMON_CAPACITY (R4)', () => {
  it('ntpd cannot slew the documented −22 472 ppm', () => {
    const [f] = daemonCapacity(facts({ vbox: documentedVbox(), timesync: timesync([ntpd]), user: { hostTscHz: 3_400_109_000 } }));
    expect(f).toMatchObject({ id: 'TIMESYNC_DAEMON_CAPACITY', severity: 'warning' });
    expect(f!.data!.daemons).toBe('ntpd');
  });

  it('chrony can (below 100 000 ppm)', () => {
    expect(daemonCapacity(facts({ vbox: documentedVbox(), timesync: timesync([chronyd]), user: { hostTscHz: 3_400_109_000 } }))).toEqual([]);
  });

  it('nothing can beyond 100 000 ppm', () => {
    const [f] = daemonCapacity(facts({ vbox: documentedVbox(), timesync: timesync([chronyd]), user: { hostTscHz: 3_000_000_000 } }));
    expect(f!.severity).toBe('critical');
  });

  it('says nothing when the daemons are unknown', () => {
    expect(daemonCapacity(facts({ vbox: documentedVbox(), user: { hostTscHz: 3_400_109_000 } }))).toEqual([]);
  });
});

describe('VBOX_TIMESYNC_STEPS', () => {
  it('counts radical changes and time sets, one evidence item per line', () => {
    const l = { line: 7, excerpt: 'Radical guest time change: 62 007 277 670 000ns', atSeconds: null, kind: 'radical-guest-change' as const, deltaNs: 62_007_277_670_000 };
    const [f] = timesyncSteps(facts({ vbox: vbox({ timeSync: [l, { ...l, kind: 'time-set', deltaNs: null }] }) }));
    expect(f).toMatchObject({ id: 'VBOX_TIMESYNC_STEPS', severity: 'info' });
    expect(f!.data!.steps).toBe(2);
    expect(f!.evidence).toHaveLength(1);
  });
});

describe('TIMESYNC_NTPD_ON_VM (R7)', () => {
  it('info when ntpd runs on a VM; nothing on bare metal', () => {
    expect(ntpdOnVm(facts({ timesync: timesync([ntpd]), vbox: vbox() }))[0]).toMatchObject({ id: 'TIMESYNC_NTPD_ON_VM', severity: 'info' });
    expect(ntpdOnVm(facts({ timesync: timesync([ntpd]) }))).toEqual([]);
    expect(ntpdOnVm(facts({ timesync: timesync([chronyd]), vbox: vbox() }))).toEqual([]);
  });
});
