import { describe, expect, it } from 'vitest';
import { parseTimesync, vboxTimesyncOptions, type TimesyncRaw } from '../../agent/evidence/timesync/parser.js';

const raw = (over: Partial<TimesyncRaw>): TimesyncRaw => ({
  processes: [], modules: [], ptpClockNames: [], chronyTracking: null, chronyTrackingPath: null, ...over,
});
const nul = (...args: string[]): string => `${args.join('\0')}\0`;

describe('parseTimesync', () => {
  it('names each daemon once from its comm (comm is cut to 15 bytes: systemd-timesyn)', () => {
    const f = parseTimesync(raw({
      processes: [
        { pid: 812, comm: 'systemd-timesyn', cmdline: nul('/lib/systemd/systemd-timesyncd') },
        { pid: 640, comm: 'chronyd', cmdline: nul('/usr/sbin/chronyd', '-F', '1') },
        { pid: 641, comm: 'chronyd', cmdline: nul('/usr/sbin/chronyd', '-F', '1') },
        { pid: 99, comm: 'vmtoolsd', cmdline: null },
      ],
    }), '/proc');
    expect(f.daemons.map((d) => [d.name, d.pid])).toEqual([['vmtoolsd', 99], ['chronyd', 640], ['systemd-timesyncd', 812]]);
    expect(f.daemons[1]?.cmdline).toBe('/usr/sbin/chronyd -F 1');
    expect(f.path).toBe('/proc');
  });

  it('tells OpenNTPD (processes retitled "ntpd: ntp engine") from ntpd', () => {
    const open = parseTimesync(raw({ processes: [{ pid: 5, comm: 'ntpd', cmdline: 'ntpd: ntp engine' }] }));
    expect(open.daemons[0]?.name).toBe('openntpd');
    const ref = parseTimesync(raw({ processes: [{ pid: 5, comm: 'ntpd', cmdline: nul('/usr/sbin/ntpd', '-p', '/run/ntpd.pid', '-g') }] }));
    expect(ref.daemons[0]?.name).toBe('ntpd');
  });

  it('reports hv_utils and ptp_kvm from /sys/module and from PTP clock names', () => {
    expect(parseTimesync(raw({ modules: ['hv_utils'] })).daemons).toEqual([{ name: 'hv_utils', pid: null, cmdline: null }]);
    expect(parseTimesync(raw({ ptpClockNames: ['KVM virtual PTP'] })).daemons.map((d) => d.name)).toEqual(['ptp_kvm']);
    expect(parseTimesync(raw({ ptpClockNames: ['hyperv'], modules: ['hv_utils'] })).daemons.map((d) => d.name)).toEqual(['hv_utils']);
    expect(parseTimesync(raw({ ptpClockNames: ['igb'] })).daemons).toEqual([]);
  });

  it('parses chronyc tracking when given', () => {
    const f = parseTimesync(raw({ chronyTracking: '7F7F0101,,8,1795317487.710490641,0,0,0,0.000,0.000,0.000,0,0,0.0,Normal\n', chronyTrackingPath: 'chronyc -c tracking' }));
    expect(f.chronyTracking?.stratum).toBe(8);
  });
});

describe('VBoxService options', () => {
  it('defaults: enabled, nothing set on the command line', () => {
    expect(vboxTimesyncOptions(['/usr/sbin/VBoxService', '--pidfile', '/var/run/vboxadd-service.sh'])).toEqual({
      enabled: true, intervalMs: null, minAdjustMs: null, setThresholdMs: null, setStart: null, setOnRestore: null,
    });
  });

  it('reads --timesync-* in every RTGetOpt spelling', () => {
    const o = vboxTimesyncOptions(['VBoxService', '--timesync-interval', '5000', '--timesync-min-adjust=50', '--timesync-set-threshold:60000', '--timesync-set-start', '--timesync-no-set-on-restore']);
    expect(o).toEqual({ enabled: true, intervalMs: 5000, minAdjustMs: 50, setThresholdMs: 60000, setStart: true, setOnRestore: false });
  });

  it('a value no double holds exactly is not a number (unset), not a rounded or infinite one', () => {
    expect(vboxTimesyncOptions(['VBoxService', '--timesync-interval', '9'.repeat(400)]).intervalMs).toBeNull();
  });

  it('--disable-timesync, or --only-<other service>, turns it off; the global --interval is its default', () => {
    expect(vboxTimesyncOptions(['VBoxService', '--disable-timesync']).enabled).toBe(false);
    expect(vboxTimesyncOptions(['VBoxService', '--only-control']).enabled).toBe(false);
    expect(vboxTimesyncOptions(['VBoxService', '--only-timesync']).enabled).toBe(true);
    expect(vboxTimesyncOptions(['VBoxService', '--interval', '3']).intervalMs).toBe(3000);
    // A value after an option we do not report is not mistaken for a switch.
    expect(vboxTimesyncOptions(['VBoxService', '--pidfile', '--disable-timesync']).enabled).toBe(true);
  });

  it('is attached to the VBoxService daemon', () => {
    const f = parseTimesync(raw({ processes: [{ pid: 300, comm: 'VBoxService', cmdline: nul('/opt/VBoxGuestAdditions-7.0.12/sbin/VBoxService', '--disable-timesync') }] }));
    expect(f.daemons[0]?.vboxTimesync?.enabled).toBe(false);
  });
});
