/**
 * vmware.log (agent/evidence/vmware): the real logs of test/fixtures/vmware (SOURCE.md) with their
 * facts, one test per line family in all three stamp shapes and pasted without stamps, and a property
 * that the parser never throws and never claims lines of other kinds' fixtures.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createVmwareParser } from '../../agent/evidence/vmware/parser.js';
import { splitVmwareLine } from '../../agent/evidence/vmware/prefix.js';
import type { VmwareFacts } from '../../agent/evidence/vmware/facts.js';
import { parseText } from '../../agent/evidence/text/lines.js';
import { readBuffer, readString } from '../../agent/gather/text.js';

const FIX = path.resolve(import.meta.dirname, '..', 'fixtures');
const fixture = (name: string): string => fs.readFileSync(path.join(FIX, 'vmware', name), 'utf8');
const parse = (text: string): VmwareFacts => parseText(createVmwareParser('t.log'), text);
function recognisedIn(text: string): number {
  const p = createVmwareParser(null);
  for (const [i, line] of text.split(/\r?\n/).entries()) p.push(line, i + 1);
  return p.recognised();
}

describe('the real vmware.logs', () => {
  it('Workstation 7.0 (legacy stamps): the two TSC estimates, the rate used, PTSC from the reference clock', () => {
    const f = parse(fixture('ws7.0.0-win-ubuntu10.04-euanhume-vmware.log'));
    expect(f).toMatchObject({
      format: 'legacy', product: 'VMware Workstation', version: '7.0.0', build: '203739', pid: 5144, hostName: 'Euan-PC',
      hostCpu: 'Pentium(R) Dual-Core CPU T4200 @ 2.00GHz', hostReferenceClockHz: 1_948_300,
      tscUsedHz: 2_000_000_000, tscMeasuredHz: 1_946_477_000, tscMinDeltaCycles: 40,
      ptscSource: 'reference-clock', ptscRefClockHz: 1_948_300, ptscHz: 2_000_000_000,
      timeTrackerHostHz: 2_000_000_000, timeTrackerGuestHz: 2_000_000_000,
      toolsSyncTime: false, toolsVersion: 8227, toolsStatus: 'ok', vmName: 'Euan_Hume_WebArcAss3', guestOs: 'ubuntu',
    });
    expect(f.tscEstimates).toEqual([{ source: 'vmmon', hz: 1_946_477_000 }, { source: 'osReported', hz: 2_000_000_000 }]);
    expect(f.refs.tscUsedHz?.excerpt).toBe('Apr 18 00:25:37.253: vmx| TSC kHz estimates: vmmon 1946477, osReported 2000000.  Using 2000000 kHz.');
    expect(f.vmxPath).toMatch(/Euan_Hume_WebArcAss3\.vmx$/);
    // The VMX starts in poweredOff; only the power-on and the later power-off are events.
    expect(f.events.map((e) => e.kind)).toEqual(['power-on', 'powered-off']);
    expect(f.events[1]?.atSeconds).toBeCloseTo(5873.849, 3);
  });

  it('Workstation 10.0 (ISO stamps with offset and level): PTSC from the TSC, synchronised; timeTracker settings', () => {
    const f = parse(fixture('ws10.0.3-win-haswell-dogecoin-vmware.log'));
    expect(f).toMatchObject({
      format: 'iso-pipe', product: 'VMware Workstation', version: '10.0.3', build: '1895310', hostOs: 'Windows 8 Pro, 64-bit (Build 9200)',
      hostCpu: 'Intel(R) Core(TM) i7-4702MQ CPU @ 2.20GHz', hostConstantRateTsc: true, tscUsedHz: 2_194_931_000, tscMeasuredHz: 2_194_931_000,
      ptscSource: 'tsc', tscSynchronized: true, tscMinDeltaCycles: 321, vmName: 'Dogecoin P2Pool', toolsVersion: 9410,
    });
    expect(f.tscEstimates).toEqual([{ source: 'vmmon', hz: 2_194_931_000 }, { source: 'remembered', hz: 0 }, { source: 'osReported', hz: 2_195_000_000 }]);
    expect(f.timeTracker).toEqual({ 'timeTracker.globalProgressMaxAllowanceMS': '2000', 'timeTracker.globalProgressToAllowanceNS': '1000' });
  });

  it('Player 17 (In(05) stamps): Hz estimates, Hyper-V underneath, TSC scaling off, offsetting on, tools.syncTime turned off from the guest', () => {
    const f = parse(fixture('player17.0.2-win-arch-gica434-vmware.log'));
    expect(f).toMatchObject({
      format: 'iso-level', product: 'VMware Player', version: '17.0.2', build: '21581411', hostOs: 'Windows 11 Pro, 64-bit (Build 22621.1702)',
      hostCpu: 'Intel(R) Core(TM) i3-10100F CPU @ 3.60GHz', tscUsedHz: 3_599_998_468, tscMeasuredHz: null, ptscSource: 'reference-clock',
      tscSynchronized: true, tscAdjusted: true, tscScaling: false, tscOffsetting: true, monitorMode: 'ULM', hostHyperV: true, toolsSyncTime: false, toolsVersion: 12352,
    });
    expect(f.tscEstimates.every((e) => e.hz === 0)).toBe(true);
    expect(f.events.filter((e) => e.kind === 'sync-time-option').map((e) => e.detail)).toEqual([
      'synctime off (from the guest\'s Tools)', 'tools.syncTime = FALSE', 'synctime off (from the guest\'s Tools)', 'tools.syncTime = FALSE',
    ]);
  });

  it.each(fs.readdirSync(path.join(FIX, 'vmware')).filter((n) => n.endsWith('.log')))('%s is read as vmware.log by analyze', (name) => {
    const r = readBuffer(name, fs.readFileSync(path.join(FIX, 'vmware', name)));
    expect(r.status.status).toBe('ok');
    expect(r.status.kinds).toContain('vmware');
  });
});

describe('line families', () => {
  const MSG = 'TSC kHz estimates: vmmon 474579, cpuinfo 1500000, cpufreq 1500000.  Using 1500000 kHz';
  it.each([
    ['legacy with ms', `Jun 28 23:40:56.684: vmx| ${MSG}`, 'legacy'],
    ['legacy without ms', `Mar 26 04:54:54: vmx| ${MSG}`, 'legacy'],
    ['ISO with offset', `2014-08-17T15:14:38.820+01:00| vmx| I120: ${MSG}`, 'iso-pipe'],
    ['ISO Z, level tag', `2023-09-04T18:43:24.698Z In(05) vmx ${MSG}`, 'iso-level'],
    ['pasted, thread only', `vmx| ${MSG}`, 'bare'],
    ['pasted, message only, indented', `    ${MSG}`, 'bare'],
  ])('%s: estimates and the rate used', (_label, line, shape) => {
    const f = parse(line);
    expect(f.format).toBe(shape);
    expect(f.tscUsedHz).toBe(1_500_000_000);
    expect(f.tscMeasuredHz).toBe(474_579_000);
    expect(f.tscEstimates.map((e) => e.source)).toEqual(['vmmon', 'cpuinfo', 'cpufreq']);
  });

  it('the per-line vmmon messages stand in for a missing summary line', () => {
    const f = parse('vmx| VMMon_GetkHzEstimate: Calculated 1946477 kHz\nvmx| VMMon_RememberkHzEstimate: Calculated 2000000 kHz');
    expect(f.tscEstimates).toEqual([{ source: 'vmmon', hz: 1_946_477_000 }, { source: 'remembered', hz: 2_000_000_000 }]);
    expect(f.tscMeasuredHz).toBe(1_946_477_000);
    expect(f.tscUsedHz).toBeNull();
  });

  it('a Linux host: release and HZ; PTSC from the TSC with the reference clock at 1 MHz', () => {
    const f = parse([
      'Jun 28 23:40:57.255: vmx| HOST sysname Linux, nodename hacker, release 2.6.38-8-generic, version #42-Ubuntu SMP Mon Apr 11 03:31:50 UTC 2011, machine i686, hz=250',
      'Jun 28 23:40:56.685: vmx| PTSC: RefClockToTSC 1000000Hz -> 1500000000Hz',
      'Jun 28 23:40:56.685: vmx| PTSC: using TSC',
      'Jun 28 23:40:56.698: vmx| hostCPUID   name:         Intel(R) Pentium(R) M processor 1.50GHz',
    ].join('\n'));
    expect(f).toMatchObject({ hostOs: 'Linux 2.6.38-8-generic', hostHz: 250, ptscRefClockHz: 1_000_000, ptscHz: 1_500_000_000, ptscSource: 'tsc', hostCpu: 'Intel(R) Pentium(R) M processor 1.50GHz' });
  });

  it('.vmx and host config keys about time: tools.syncTime, every time.synchronize.*, timeTracker.*, host.cpukHz', () => {
    const f = parse([
      '2014-08-17T15:14:38.946+01:00| vmx| I120: DICT --- CONFIGURATION C:\\VMs\\a.vmx ',
      '2014-08-17T15:14:38.946+01:00| vmx| I120: DICT            tools.syncTime = "TRUE"',
      '2014-08-17T15:14:38.946+01:00| vmx| I120: DICT time.synchronize.continue = "FALSE"',
      '2014-08-17T15:14:38.946+01:00| vmx| I120: DICT time.synchronize.tools.startup = "FALSE"',
      '2014-08-17T15:14:38.946+01:00| vmx| I120: DICT timeTracker.periodicStats = "TRUE"',
      '2014-08-17T15:14:38.946+01:00| vmx| I120: DICT --- HOST DEFAULTS C:\\ProgramData\\VMware\\VMware Workstation\\config.ini ',
      '2014-08-17T15:14:38.946+01:00| vmx| I120: DICT               host.cpukHz = "2000000"',
      '2014-08-17T15:14:38.946+01:00| vmx| I120: DICT                host.noTSC = "TRUE"',
    ].join('\n'));
    expect(f.toolsSyncTime).toBe(true);
    expect(f.timeSynchronize).toEqual({ continue: false, 'tools.startup': false });
    expect(f.timeTracker).toEqual({ 'timeTracker.periodicStats': 'TRUE' });
    expect(f.timeConfig).toEqual({ 'host.cpukHz': '2000000', 'host.noTSC': 'TRUE' });
  });

  it('VM events: suspend, snapshot (ESXi operation id before the message), stun with its length', () => {
    const f = parse([
      '2023-12-05T17:40:00.000Z In(05) vmx PowerOn',
      '2023-12-05T17:42:40.666Z In(05) vmx vim-cmd-09-a45d SnapshotVMX_TakeSnapshot start: \'snapshot_exfill\', deviceState=1, lazy=1',
      '2023-12-05T17:42:41.000Z In(05) vmx Checkpoint_Unstun: vm stopped for 3711025 us',
      '2023-12-05T18:00:00.000Z In(05) vmx SUSPEND: Completed suspend: \'Operation completed successfully\' (0)',
      '2023-12-05T18:00:00.100Z In(05) vmx Transitioned vmx/execState/val to suspended',
    ].join('\n'));
    expect(f.events.map((e) => [e.kind, e.detail, e.durationUs])).toEqual([
      ['power-on', null, null], ['snapshot', 'snapshot_exfill', null], ['stun', null, 3_711_025], ['suspend-completed', null, null], ['suspended', null, null],
    ]);
    expect(f.events[2]?.atSeconds).toBeCloseTo(161, 6);
  });

  it('a pasted message that only VMware prints counts; a generic one without a stamp does not', () => {
    expect(recognisedIn('PTSC: using reference clock')).toBe(1);
    expect(recognisedIn('PowerOn\nHost is Windows 10\nConfig file: C:\\a.vmx')).toBe(0);
  });

  it('splits the stamp shapes and keeps the thread', () => {
    expect(splitVmwareLine('2014-08-17T15:14:38.716+01:00| vcpu-2| I120: KEYBOARD: x')).toMatchObject({ shape: 'iso-pipe', thread: 'vcpu-2', msg: 'KEYBOARD: x' });
    expect(splitVmwareLine('2023-06-08T11:47:11.497Z In(05) vcpu-0 Syncing WHP TSCs took 40 us. Threshold is 1000 us.')).toMatchObject({ shape: 'iso-level', thread: 'vcpu-0' });
    expect(splitVmwareLine('Apr 18 02:03:30.956: WinNotifyThread| WinNotify thread exiting')).toMatchObject({ shape: 'legacy', thread: 'WinNotifyThread' });
    expect(splitVmwareLine('Apr 18 00:25:37 host sshd[1]: Accepted')).toMatchObject({ shape: 'bare', thread: null });
  });

  it('a paste with vmware.log lines and guest kernel lines gives both kinds', () => {
    const r = readString('ticket.txt', [
      'host log:',
      'Apr 18 00:25:37.253: vmx| TSC kHz estimates: vmmon 1946477, osReported 2000000.  Using 2000000 kHz.',
      'guest:',
      '[    0.000000] Hypervisor detected: VMware',
      '[    0.000000] tsc: Detected 2000.000 MHz processor',
    ].join('\n'));
    expect(r.status.kinds).toEqual(expect.arrayContaining(['vmware', 'kernel-log']));
  });
});

describe('robustness', () => {
  it('never throws on arbitrary text and never invents a rate from it (property, seed 20251)', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom('vmx| ', 'PTSC: using ', 'TSC kHz estimates: vmmon ', 'Using 99999999999999999999 kHz', '2014-08-17T15:14:38.716+01:00| vmx| I120: ')), { maxLength: 30 }), (parts) => {
      const p = createVmwareParser(null);
      for (const [i, l] of parts.join('').split('\n').entries()) p.push(l, i + 1);
      if (p.recognised() === 0) return;
      const f = p.finish();
      for (const v of [f.tscUsedHz, f.tscMeasuredHz, ...f.tscEstimates.map((e) => e.hz)]) if (v !== null) expect(Number.isSafeInteger(v)).toBe(true);
    }), { seed: 20251, numRuns: 400 });
  });

  const others = ['dmesg', 'vbox', 'cpuinfo', 'timer_list'].flatMap((d) => fs.readdirSync(path.join(FIX, d)).filter((n) => !n.endsWith('.md') && !n.endsWith('.tsv')).map((n) => `${d}/${n}`));
  it.each(others)('claims no line of %s', (rel) => {
    expect(recognisedIn(fs.readFileSync(path.join(FIX, rel), 'utf8'))).toBe(0);
  });
});

describe('the byte pre-filter (wants.ts)', () => {
  /** One message per distinctive rule, as VMware prints it: a new rule needs one here. */
  const SAMPLES: Record<string, string> = {
    'log-for': 'Log for VMware Workstation pid=1234 version=7.0.0 build=build-203739',
    'host-linux': 'HOST sysname Linux, nodename h, release 3.2.0, version #1 SMP, hz=1000',
    'hostinfo-ref': 'HOSTINFO 12345 @ 2394000000Hz -> 0 @ 1000000000Hz',
    'constant-tsc': 'HOSTINFO: Host supports constant rate TSC.',
    'vmmon-khz': 'VMMon_GetkHzEstimate: Calculated 1946477 kHz',
    'remembered-khz': 'VMMon_RememberkHzEstimate: Calculated 1946477 kHz',
    estimates: 'TSC kHz estimates: vmmon 1946477, remembered 0, osReported 2000000. Using 1946477 kHz.',
    'tsc-min-delta': 'TSC min delta 36',
    'ptsc-ref': 'PTSC: RefClockToPTSC 0 @ 1000000Hz -> 0 @ 2394000000Hz',
    'ptsc-using': 'PTSC: using TSC',
    'ptsc-sync': 'PTSC: hardware TSCs are synchronized.',
    'ptsc-adjusted': 'PTSC: hardware TSCs may have been adjusted by the host.',
    'tsc-scaling-off': 'Disabling TSC scaling since host does not support it.',
    'tsc-scaling-on': 'TSC scaling enabled.',
    'tsc-offsetting': 'TSC offsetting enabled.',
    'timetracker-rate': 'TimeTracker host to guest rate conversion 123 @ 2394000000Hz -> 0 @ 2394000000Hz',
    'timetracker-setting': 'timeTracker.periodicStats: TRUE',
    'configdb-set': 'ConfigDB: Setting tools.syncTime = "FALSE"',
    'tools-version': "TOOLS setting legacy tools version to '8389'",
    'tools-status': "VMXVmdb_SetToolsVersionStatus: status value set to 'ok', 'current', install possible",
    'monitor-mode': 'Monitor Mode: ULM',
    'hyper-v': 'IOPL_Init: Hyper-V detected by CPUID',
    'exec-state': 'Transitioned vmx/execState/val to poweredOff',
    'suspend-done': 'SUSPEND: Completed suspend',
    snapshot: "SnapshotVMX_TakeSnapshot start: 'snap1', deviceState=1",
    stun: 'Checkpoint_Unstun: vm stopped for 12345 us',
    'tools-synctime-option': "TOOLS received request in VMX to set option 'synctime' -> '0'",
  };

  it('lets through, pasted bare, every message only VMware prints (each distinctive rule has a sample here)', async () => {
    const { RULES } = await import('../../agent/evidence/vmware/rules.js');
    const { vmwareWants } = await import('../../agent/evidence/vmware/wants.js');
    const wanted = (s: string): boolean => { const b = Buffer.from(s, 'utf8'); return vmwareWants(b, 0, b.length); };
    for (const r of RULES.filter((x) => x.distinctive)) {
      const sample = SAMPLES[r.name];
      expect(sample, `a sample for rule ${r.name}`).toBeDefined();
      expect(r.re.test(sample!), `${r.name} reads its sample`).toBe(true);
      expect(wanted(sample!), r.name).toBe(true);
      expect(wanted(`\u00a0 ${sample!}`), `${r.name}, indented`).toBe(true);
    }
    // Every stamp shape, with any message; and what it must not take: kernel and syslog lines.
    for (const l of ['Apr 18 00:25:37.105: vmx| x', 'Mar 26 04:54:54: vcpu-0| x', '2014-08-17T15:14:38.716+01:00| vmx| I120: x', '2023-09-04T18:43:24.698Z In(05) vmx x', 'vmx| x', 'Worker#0| x']) {
      expect(wanted(l), l).toBe(true);
    }
    for (const l of ['[    0.000000] TSC: 2394 MHz', 'Mar 26 04:54:54 host kernel: tsc: Refined TSC', '2022-01-01T10:00:00+0100 host kernel: x', 'Marvell', '']) {
      expect(wanted(l), l).toBe(false);
    }
  });
});
