/**
 * VBox.log grammar per era, with real lines (copied from the fixtures or quoted in formats.md §4).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseText } from '../../agent/evidence/text/lines.js';
import { createVboxParser, looksLikeVboxLog, MAX_VBOX_EVENTS } from '../../agent/evidence/vbox/parser.js';
import { brandNominalHz, familyModel, groupedInt, legacyTscMode, pvclockHz, tscMode } from '../../agent/evidence/vbox/values.js';
import { parseTimeSyncMessages } from '../../agent/evidence/vbox/timesync.js';

const parse = (text: string) => parseText(createVboxParser(), text);

describe('TM line per era', () => {
  it('1.6/2.0: hex first, no separators, one line', () => {
    const f = parse('00:00:03.704 TM: cTSCTicksPerSecond=0x9e8dc090 (2660090000) fTSCVirtualized=true  fTSCUseRealTSC=false fMaybeUseOffsettedHostTSC=true\n');
    expect(f.tscTicksPerSecond).toBe(2_660_090_000);
    expect(f.tscMode).toBe('VirtTscEmulated');
    expect(f.refs.tscTicksPerSecond?.line).toBe(1);
  });

  it('2.1/2.2: hex first, no separators, padded %RTbool', () => {
    const f = parse('00:00:00.529 TM: cTSCTicksPerSecond=0xa173dcb8 (2708724920) fTSCVirtualized=true  fTSCUseRealTSC=false\n');
    expect(f.tscTicksPerSecond).toBe(2_708_724_920);
    expect(f.tscMode).toBe('VirtTscEmulated');
  });

  it('3.x/4.x: hex first, space-grouped decimal, the hex wins', () => {
    const f = parse([
      '00:00:07.043041 TM: cTSCTicksPerSecond=0x8d3934bc (2 369 336 508) fTSCVirtualized=true  fTSCUseRealTSC=false',
      '00:00:07.043049 TM: fMaybeUseOffsettedHostTSC=true  TSCTiedToExecution=false TSCNotTiedToHalt=false',
    ].join('\n'));
    expect(f.tscTicksPerSecond).toBe(0x8d3934bc);
    expect(f.tscTiedToExecution).toBe(false);
    expect(f.switchedToRealTscOffset).toBe(false);
  });

  it('maps the old flags: only virtualised + not-real-TSC is VirtTscEmulated', () => {
    expect(legacyTscMode(true, false)).toBe('VirtTscEmulated');
    expect(legacyTscMode(true, true)).toBe('RealTscOffset');
    expect(legacyTscMode(false, null)).toBe('RealTscOffset');
    expect(legacyTscMode(null, null)).toBeNull();
  });

  it('5.0–6.1: decimal first, hex in parentheses, mixed-case mode names', () => {
    const f = parse([
      '00:00:03.211050 TM: cTSCTicksPerSecond=2 592 003 342 (0x9a7ed50e) enmTSCMode=1 (VirtTscEmulated)',
      '00:00:03.211053 TM: TSCTiedToExecution=false TSCNotTiedToHalt=false',
      "00:00:03.212140 GIM: Using provider 'KVM' (Implementation version: 0)",
      '00:00:03.300000 TM: TMR3InitFinalize: fTSCModeSwitchAllowed=true ',
    ].join('\r\n'));
    expect(f.tscTicksPerSecond).toBe(2_592_003_342);
    expect(f.tscMode).toBe('VirtTscEmulated');
    expect(f.paravirtProvider).toBe('KVM');
    expect(f.tscModeSwitchAllowed).toBe(true);
  });

  it('7.0: five-space alignment and cTSCTicksPerSecondHost; 7.1+ TSCMultiplier', () => {
    const f = parse([
      '00:00:00.079844 TM: GIP - u32Mode=3 (Invariant) u32UpdateHz=100 u32UpdateIntervalNS=10000000 enmUseTscDelta=2 (Practically Zero) fGetGipCpu=0x1b cCpus=8',
      '00:00:00.079861 TM: GIP - u64CpuHz=3 392 292 995 (0xca324883)  SUPGetCpuHzFromGip => 3 392 292 995',
      '00:00:00.079866 TM: GIP - CPU: iCpuSet=0x0 idCpu=0x0 idApic=0x0 iGipCpu=0x5 i64TSCDelta=0 enmState=3 u64CpuHz=3392292982(*) cErrors=0',
      '00:00:00.079867 TM: GIP - CPU: iCpuSet=0x1 idCpu=0x1 idApic=0x1 iGipCpu=0x4 i64TSCDelta=0 enmState=2 u64CpuHz=1(*) cErrors=0',
      '00:00:00.079868 TM: GIP - CPU: iCpuSet=0x2 idCpu=0x2 idApic=0x2 iGipCpu=0x3 i64TSCDelta=0 enmState=3 u64CpuHz=3392293999(*) cErrors=0',
      '00:00:00.079897 TM:     cTSCTicksPerSecond=3 392 292 995 (0xca324883) enmTSCMode=1 (VirtTSCEmulated) TSCMultiplier=1',
      '00:00:00.079898 TM: cTSCTicksPerSecondHost=3 392 292 995 (0xca324883)',
      '00:00:00.079899 TM: TSCTiedToExecution=false TSCNotTiedToHalt=false',
    ].join('\n'));
    expect(f.gipMode).toBe('Invariant');
    expect(f.gipCpuHz).toBe(3_392_292_995);
    expect(f.gipPerCpuHz).toEqual([3_392_292_982, 3_392_293_999]); // offline CPU (enmState=2) left out
    expect(f.gipPerCpuSpreadPpm).toBeCloseTo(((3_392_293_999 - 3_392_292_982) / ((3_392_292_982 + 3_392_293_999) / 2)) * 1e6, 2);
    expect(f.tscTicksPerSecond).toBe(3_392_292_995);
    expect(f.tscMode).toBe('VirtTscEmulated');
    expect(f.tscMultiplier).toBe(1);
    expect(f.hostTscTicksPerSecond).toBe(3_392_292_995);
    expect(f.hostTscSource).toBe('cTSCTicksPerSecondHost');
    expect(f.refs.hostTscTicksPerSecond?.line).toBe(7);
  });

  it('GIP u64CpuHz is the host rate when there is no cTSCTicksPerSecondHost', () => {
    const f = parse('00:00:10.232465 TM: GIP - u64CpuHz=2 194 915 308 (0x82d3bfec)  SUPGetCpuHzFromGip => 2 194 915 308\n');
    expect(f.hostTscTicksPerSecond).toBe(2_194_915_308);
    expect(f.hostTscSource).toBe('gip');
  });

  it('(state load) lines are hex first and never the start value', () => {
    const f = parse([
      '00:00:00.781516 TM: cTSCTicksPerSecond=2 496 000 000 (0x94c5f000) enmTSCMode=1 (VirtTscEmulated)',
      '00:00:03.002768 TM: cTSCTicksPerSecond=0x94c5efda (2 495 999 962) enmTSCMode=1 (VirtTscEmulated) (state load)',
      '00:00:03.002814 TM: Switching TSC mode from \'VirtTscEmulated\' to \'RealTscOffset\'',
    ].join('\n'));
    expect(f.tscTicksPerSecond).toBe(2_496_000_000);
    expect(f.stateLoadTscTicksPerSecond).toBe(2_495_999_962);
    expect(f.tscModeSwitches).toEqual([
      { line: 3, excerpt: "00:00:03.002814 TM: Switching TSC mode from 'VirtTscEmulated' to 'RealTscOffset'", atSeconds: 3.002814, from: 'VirtTscEmulated', to: 'RealTscOffset' },
    ]);
    expect(f.switchedToRealTscOffset).toBe(true);
  });

  it('a (state load) line is read wherever the words stand: a leftover \\r (CRLF converted twice), a forum tag or more text after them', () => {
    const first = '00:00:00.781516 TM: cTSCTicksPerSecond=2 496 000 000 (0x94c5f000) enmTSCMode=1 (VirtTscEmulated)';
    const load = '00:00:03.002768 TM: cTSCTicksPerSecond=0x94c5efda (2 495 999 962) enmTSCMode=1 (VirtTscEmulated) (state load)';
    for (const tail of ['\r\r', '[/CODE]', '\u00a0', ' and more']) {
      // Through the pre-filter, as every file is read (the first TM line makes it filter the second).
      const f = parse(`${first}\n${load}${tail}\n`);
      expect(f.stateLoadTscTicksPerSecond, JSON.stringify(tail)).toBe(2_495_999_962);
    }
  });

  it('a state load before any init line does not become the start value', () => {
    const f = parse('00:00:05.858367 TM: cTSCTicksPerSecond=0xa60f0522 (2 786 002 210) enmTSCMode=1 (VirtTscEmulated) (state load)\n');
    expect(f.tscTicksPerSecond).toBeNull();
    expect(f.stateLoadTscTicksPerSecond).toBe(0xa60f0522);
  });

  it('reads 7.x mode spellings and the pause switch back', () => {
    const f = parse([
      "00:00:06.949949 TM: Switching TSC mode from 'VirtTSCEmulated' to 'RealTSCOffset'",
      "00:43:22.159801 TM: Switching TSC mode from 'RealTSCOffset' to 'Dynamic'",
    ].join('\n'));
    expect(f.tscModeSwitches.map((s) => [s.atSeconds, s.from, s.to])).toEqual([
      [6.949949, 'VirtTscEmulated', 'RealTscOffset'],
      [2602.159801, 'RealTscOffset', 'Dynamic'],
    ]);
  });

  it('normalises mode names case-insensitively and by number', () => {
    expect(tscMode('2', 'REALTSCOFFSET')).toBe('RealTscOffset');
    expect(tscMode('4', undefined)).toBe('NativeApi');
    expect(tscMode('9', 'Bogus')).toBeNull();
  });

  it('TM lines with no TM section give switchedToRealTscOffset null', () => {
    expect(parse('00:00:00.834081 Log opened 2013-02-23T05:24:19.399285700Z\n').switchedToRealTscOffset).toBeNull();
  });
});

describe('line prefixes and paste artefacts', () => {
  it('ms prefixes (≤4.1), a leading space, BBCode wrappers and > quoting', () => {
    const f = parse([
      '[COLOR="Red"]00:00:01.523 TM: GIP - u32Mode=2 (AsyncTSC) u32UpdateHz=83[/COLOR]',
      ' 00:00:01.563 TM: cTSCTicksPerSecond=0x7caafe41 (2 091 580 993) fTSCVirtualized=true  fTSCUseRealTSC=false',
      '> 00:00:01.563 TM: fMaybeUseOffsettedHostTSC=false TSCTiedToExecution=true TSCNotTiedToHalt=false',
    ].join('\n'));
    expect(f.gipMode).toBe('AsyncTSC');
    expect(f.tscTicksPerSecond).toBe(2_091_580_993);
    expect(f.tscTiedToExecution).toBe(true);
    expect(f.lastSeconds).toBe(1.563);
  });

  it('hours beyond 99 and µs prefixes; lastSeconds is the last timestamped line', () => {
    const f = parse([
      "08:43:45.392691 Pausing VM execution, reason 'HostSuspend'",
      "59:06:43.504384 Resuming VM execution, reason 'HostResume'",
      "123:04:21.354204 Pausing VM execution, reason 'host suspend'",
      'no timestamp here',
    ].join('\n'));
    expect(f.hostPowerEvents.map((e) => [e.kind, e.atSeconds])).toEqual([
      ['suspend', 8 * 3600 + 43 * 60 + 45.392691],
      ['resume', 59 * 3600 + 6 * 60 + 43.504384],
      ['suspend', 123 * 3600 + 4 * 60 + 21.354204],
    ]);
    expect(f.lastSeconds).toBe(123 * 3600 + 4 * 60 + 21.354204);
  });

  it('header without timestamp (5.0) and with it (6.0+); version suffixes kept in versionRaw', () => {
    const a = parse('VirtualBox VM 5.0.6 r103037 win.amd64 (Oct  2 2015 13:35:19) release log\n00:00:06.900506 Log opened 2016-02-24T15:09:39.854029800Z\n');
    expect([a.version, a.revision, a.hostTarget, a.hostOs, a.logOpenedAt]).toEqual(['5.0.6', '103037', 'win.amd64', 'Windows', '2016-02-24T15:09:39.854029800Z']);
    const b = parse([
      '00:00:00.742145 VirtualBox VM 6.1.38_Ubuntu r153438 linux.amd64 (Sep  7 2022 11:18:57) release log',
      '00:00:00.742148 OS Product: Linux',
      '00:00:00.742149 OS Release: 5.19.0-35-generic',
      "00:00:00.758674 Guest OS type: 'Ubuntu_64'",
    ].join('\n'));
    expect([b.version, b.versionRaw, b.hostOs, b.guestOsType]).toEqual(['6.1.38', '6.1.38_Ubuntu', 'Linux 5.19.0-35-generic', 'Ubuntu_64']);
    const c = parse('00:00:00.362 VirtualBox 3.2.12 r68302 linux.x86 (Nov 30 2010 14:58:00) release log\n');
    expect([c.version, c.hostTarget, c.hostOs]).toEqual(['3.2.12', 'linux.x86', 'Linux']);
  });

  it('a guest VBoxService header forwarded into the log is not the host version', () => {
    const f = parse('00:00:31.062680 VMMDev: Guest Log: 19:55:54.015525 main     VBoxService 7.2.4 r170995 (verbosity: 0) linux.amd64 (Oct 17 2025 11:53:44) release log\n');
    expect(f.version).toBeNull();
  });
});

describe('CFGM dump and extradata', () => {
  const cfgm = [
    '00:00:10.219605 ************************* CFGM dump *************************',
    '00:00:10.219610 [/] (level 0)',
    '00:00:10.219621   Name              <string>  = "My "quoted" VM; rm -rf ~" (cb=25)',
    '00:00:10.219622   NumCPUs           <integer> = 0x0000000000000002 (2)',
    '00:00:10.219636 ',
    '00:00:10.219640 [/Devices/SerialPort/0/Config/] (level 4)',
    '00:00:10.219641   Name      <string>  = "port0" (cb=6)',
    '00:00:10.219994 [/GIM/] (level 1)',
    '00:00:10.219995   Provider <string>  = "KVM" (cb=4)',
    '00:00:10.220022 [/TM/] (level 1)',
    '00:00:10.220023   TSCMode           <string>  = "RealTSCOffset" (cb=14)',
    '00:00:10.220024   TSCTicksPerSecond <integer> = 0x00000000caa98bc8 (3 400 109 000)',
    '00:00:10.220025   WarpDrivePercentage <integer> = 0x0000000000000064 (100)',
    '00:00:10.220030 [/Devices/VMMDev/0/Config/] (level 4)',
    '00:00:10.220031   GetHostTimeDisabled <integer> = 0x0000000000000001 (1)',
    '00:00:10.220040 ********************* End of CFGM dump **********************',
    '00:00:10.220050 [/] (level 0)',
    '00:00:10.220051   Name              <string>  = "second dump" (cb=12)',
  ].join('\n');

  it('takes the VM name from the root node only, keeps odd characters verbatim', () => {
    const f = parse(cfgm);
    expect(f.vmName).toBe('My "quoted" VM; rm -rf ~');
    expect(f.vcpus).toBe(2);
    expect(f.refs.vmName?.line).toBe(3);
  });

  it('reads the time extradata from /TM/ and /Devices/VMMDev/0/Config/', () => {
    const f = parse(cfgm);
    expect(f.extradata).toEqual({ tscTicksPerSecond: 3_400_109_000, tscMode: 'RealTSCOffset', getHostTimeDisabled: true, warpDrivePercentage: 100 });
    expect(f.refs['extradata.tscTicksPerSecond']?.line).toBe(12);
  });

  it('falls back to the CFGM GIM provider when there is no GIM line', () => {
    expect(parse(cfgm).paravirtProvider).toBe('KVM');
  });

  it('reads the 6.1+ Extradata overrides block (any base, integer: prefix, global marker)', () => {
    const f = parse([
      '00:00:01.000000 Extradata overrides:',
      '00:00:01.000001   VBoxInternal/TM/TSCTicksPerSecond="0xcaa98bc8"',
      '00:00:01.000002   VBoxInternal/Devices/VMMDev/0/Config/GetHostTimeDisabled="integer:0" (global)',
      '00:00:01.000003   VBoxInternal/TM/TSCMode="Dynamic"',
    ].join('\n'));
    expect(f.extradata).toEqual({ tscTicksPerSecond: 3_400_109_000, tscMode: 'Dynamic', getHostTimeDisabled: false, warpDrivePercentage: null });
  });
});

describe('host CPUID', () => {
  const leaf1 = ['00:00:00.885152 Gst: 00000000/0000  0000001b 756e6547 6c65746e 49656e69', '00:00:00.885152 Hst:                0000001b 756e6547 6c65746e 49656e69'];

  it('leaf 0x15 with an enumerated crystal gives the TSC rate (6.1, Hst-only row)', () => {
    const f = parse([
      ...leaf1,
      '00:00:00.885194 Hst: 00000015/0000  00000002 00000082 0249f000 00000000',
      '00:00:00.885195 Hst: 00000016/0000  000009c4 00001194 00000064 00000000',
    ].join('\n'));
    expect(f.cpuidLeaf15).toEqual({ eax: 2, ebx: 0x82, ecx: 38_400_000, edx: 0 });
    expect(f.cpuidTscTicksPerSecond).toBe(2_496_000_000);
    expect(f.cpuidInferredTscTicksPerSecond).toBeNull();
    expect(f.cpuidBaseMhz).toBe(2500);
  });

  it('leaf 0x15 without crystal: infer 24 MHz only for a known Skylake-class model (Gst/Hst pair)', () => {
    const f = parse([
      ...leaf1,
      '00:00:01.788686 Gst: 00000001/0000  000506e3 00000800 56d8220b 078bfbff',
      '00:00:01.788687 Hst:                000506e3 06100800 7ffafbff bfebfbff',
      '00:00:01.788700 Gst: 00000015/0000  00000000 00000000 00000000 00000000',
      '00:00:01.788701 Hst:                00000002 0000011c 00000000 00000000',
    ].join('\n'));
    expect(f.cpuidTscTicksPerSecond).toBeNull();
    expect(f.cpuidInferredCrystalHz).toBe(24_000_000);
    expect(f.cpuidInferredTscTicksPerSecond).toBe(3_408_000_000);
  });

  it('no inference for an unknown model', () => {
    const f = parse([
      ...leaf1,
      '00:00:01.788687 Hst: 00000001/0000  000306a9 02100800 3d9ae3bf bfebfbff',
      '00:00:01.788701 Hst: 00000015/0000  00000002 0000011c 00000000 00000000',
    ].join('\n'));
    expect(f.cpuidInferredTscTicksPerSecond).toBeNull();
    expect(familyModel(0x000306a9)).toEqual({ family: 6, model: 0x3a });
  });

  it('brand from the host rows (3.x/4.x rows without subleaf), not the guest Full Name', () => {
    const f = parse([
      '00:00:16.986798 Gst: 80000002  65746e49 2952286c 726f4320 4d542865',
      '00:00:16.986800 Hst:           65746e49 2952286c 726f4320 4d542865',
      '00:00:16.986802 Gst: 80000003  44203229 43206f75 20205550 50202020',
      '00:00:16.986805 Hst:           44203229 43206f75 20205550 50202020',
      '00:00:16.986807 Gst: 80000004  30303638 20402020 30342e32 007a4847',
      '00:00:16.986809 Hst:           30303638 20402020 30342e32 007a4847',
      '00:00:16.986880 Full Name:                       "Guest Profile CPU @ 9.99GHz"',
    ].join('\n'));
    expect(f.cpuBrand).toBe('Intel(R) Core(TM)2 Duo CPU     P8600  @ 2.40GHz');
    expect(f.brandNominalHz).toBe(2_400_000_000);
  });

  it('falls back to Full Name (quoted in 7.x, bare in 3.x)', () => {
    expect(parse('00:00:08.940015 Full Name:                       "      Intel(R) Core(TM) i7-2670QM CPU @ 2.20GHz"\n').cpuBrand).toBe('Intel(R) Core(TM) i7-2670QM CPU @ 2.20GHz');
    expect(parse('00:00:01.459 Full Name:                       AMD Athlon Dual-Core QL-64\n').cpuBrand).toBe('AMD Athlon Dual-Core QL-64');
  });

  it('brand nominal Hz without floating-point error', () => {
    expect(brandNominalHz('Intel(R) Xeon(R) CPU E3-1230 v5 @ 3.40GHz')).toBe(3_400_000_000);
    expect(brandNominalHz('Intel(R) Celeron(R) CPU  N2830  @ 2.16GHz')).toBe(2_160_000_000);
    expect(brandNominalHz('AMD Ryzen 5 5500')).toBeNull();
  });
});

describe('GIM, catch-up, host power, time sync', () => {
  it('KVM system-time struct: implied Hz from scale/shift, TscKHz kept as printed', () => {
    const f = parse('00:00:17.732770 GIM: KVM: VCPU  0: Enabled system-time struct. at 0x0000000085a02000 - u32TscScale=0xe9417c15 i8TscShift=-1 uVersion=2 fFlags=0x1 uTsc=0x47db53da4 uVirtNanoTS=0x20bc806b1 TscKHz=2195014\n');
    expect(f.gimKvmSystemTime).toHaveLength(1);
    expect(f.gimKvmSystemTime[0]).toMatchObject({ vcpu: 0, tscScale: 0xe9417c15, tscShift: -1, tscKhzPrinted: 2_195_014, impliedHz: 2_195_015_090, atSeconds: 17.73277 });
    // The documented case: 3 478 274 491 Hz → mul 0x93330D6C, shift −1 (model.md §1.3).
    expect(Math.abs(pvclockHz(0x93330d6c, -1)! - 3_478_274_491)).toBeLessThan(2);
  });

  it('catch-up give-ups of all three kinds, with grouped ns', () => {
    const f = parse([
      '00:38:32.130088 TM: Not bothering to attempt catching up a 2 076 976 545 406 ns lag; new total: 2 076 976 545 406',
      '01:20:05.905047 TM: Giving up catch-up attempt at a 60 001 005 410 ns lag; new total: 3 711 291 356 130 ns',
      '01:30:00.000000 TM: Aborting catch-up attempt on reset with a 5 000 ns lag on reset; new total: 3 711 291 361 130 ns',
    ].join('\n'));
    expect(f.catchUpGiveUps.map((c) => [c.kind, c.lagNs, c.totalNs])).toEqual([
      ['not-bothering', 2_076_976_545_406, 2_076_976_545_406],
      ['gave-up', 60_001_005_410, 3_711_291_356_130],
      ['aborted-on-reset', 5000, 3_711_291_361_130],
    ]);
  });

  it('a give-up line cut before `; new total` (pasted, indented, no timestamp) still counts, with no total', () => {
    // VirtualBox issue #837: the reporter pasted only this much of the line.
    const f = parse('    TM: Giving up catch-up attempt at a 114 159 629 993 ns lag\n    VMMDev: vmmDevHeartbeatFlatlinedTimer: Guest seems to be unresponsive.\n');
    expect(f.catchUpGiveUps.map((c) => [c.kind, c.lagNs, c.totalNs, c.atSeconds])).toEqual([['gave-up', 114_159_629_993, null, null]]);
    expect(parse('TM: Not bothering to attempt catching up a 2 076 976 545 406 ns lag').catchUpGiveUps[0]).toMatchObject({ kind: 'not-bothering', totalNs: null });
  });

  it('TMR3UtcNow at start (nsPrev=0) is not a jump; a later one is', () => {
    const f = parse([
      '00:00:00.431464 TMR3UtcNow: nsNow=1 535 535 829 657 358 000 nsPrev=0 -> cNsDelta=1 535 535 829 657 358 000 (offLag=0 offVirtualSync=0 offVirtualSyncGivenUp=0, NowAgain=1 535 535 829 657 358 000)',
      '08:36:29.006705 TMR3UtcNow: nsNow=1 760 082 138 120 733 414 nsPrev=1 760 077 587 706 953 608 -> cNsDelta=4 550 413 779 806 (offLag=101 986 offVirtualSync=101 986 offVirtualSyncGivenUp=0, NowAgain=1 760 082 138 120 835 400)',
    ].join('\n'));
    expect(f.hostPowerEvents.map((e) => [e.line, e.kind])).toEqual([[2, 'utc-jump']]);
  });

  it('host suspend/resume in both spellings, other pause reasons ignored', () => {
    const f = parse([
      "01:53:50.287402 Pausing VM execution, reason 'host suspend'",
      "02:39:33.013048 Resuming VM execution, reason 'host resume'",
      "02:40:00.000000 Pausing VM execution, reason 'user'",
      "03:00:00.000000 Pausing VM execution, reason 'HostBatteryLow'",
    ].join('\n'));
    expect(f.hostPowerEvents.map((e) => e.kind)).toEqual(['suspend', 'resume', 'battery-low']);
  });

  it('Guest Additions version and forwarded time-sync lines, two messages glued on one line', () => {
    const f = parse([
      "00:00:23.722743 VMMDev: Guest Additions information report: Version 7.2.4 r170995 '7.2.4'",
      '09:16:53.736506 VMMDev: Guest Log: 07:42:18.123392 timesync vgsvcTimeSyncWorker: Radical host time change: 4 550 414 000 000ns (HostNow=1 760 082 138 120 000 000 07:42:28.158714 timesync vgsvcTimeSyncWorker: Radical guest time change: 4 549 830 772 000ns (GuestNow=1 760 082 148 158 704 0008:22:43.059285 main      Terminating service',
      '09:16:53.752287 VMMDev: Guest Log: 08:22:43.074475 dndHGCM   DnD: Received message unknown (0x0) from host',
    ].join('\n'));
    expect(f.guestAdditionsVersion).toBe('7.2.4');
    expect(f.timeSync.map((t) => [t.line, t.kind, t.deltaNs])).toEqual([
      [2, 'radical-host-change', 4_550_414_000_000],
      [2, 'radical-guest-change', 4_549_830_772_000],
    ]);
  });

  it('finds 4.3 VBoxServiceTimeSync… names anywhere in a forwarded line, and nothing in near misses', () => {
    const f = parse([
      '00:10:00.000000 VMMDev: Guest Log: 00:05:00.123 some long thread prefix VBoxServiceTimeSyncWorker: Radical guest time change: -14 387 957 862 000ns (GuestNow=…)',
      '00:10:01.000000 VMMDev: Guest Log: 00:05:01.000 main     no time sync here, only imeSyn and timesyn and TimeSyn',
      '00:10:02.000000 VMMDev: Guest Log: 00:05:02.000 xtimesync',
    ].join('\n'));
    expect(f.timeSync.map((t) => [t.line, t.kind, t.deltaNs])).toEqual([
      [1, 'radical-guest-change', -14_387_957_862_000],
      [3, 'other', null],
    ]);
  });

  it('time-sync message kinds', () => {
    expect(parseTimeSyncMessages('timesync vgsvcTimeSyncWorker: Radical guest time change: -14 387 957 862 000ns (GuestNow=…)')).toEqual([{ kind: 'radical-guest-change', deltaNs: -14_387_957_862_000 }]);
    expect(parseTimeSyncMessages('timesync vgsvcTimeSyncAdjust: adjtime by -1 234 567 ns')).toEqual([{ kind: 'adjtime', deltaNs: -1_234_567 }]);
    expect(parseTimeSyncMessages('timesync time set to 2025-01-01T00:00:00.000000000Z')).toEqual([{ kind: 'time-set', deltaNs: null }]);
    expect(parseTimeSyncMessages('timesync vgsvcTimeSyncWorker: The VM session ID changed, forcing resync.')).toEqual([{ kind: 'session-changed', deltaNs: null }]);
    expect(parseTimeSyncMessages('timesync vgsvcTimeSyncWorker: VbglR3GetHostTime failed; rc2=VERR_X')[0]?.kind).toBe('error');
    expect(parseTimeSyncMessages('timesync Starting')[0]?.kind).toBe('other');
  });
});

describe('numbers', () => {
  it('accepts IPRT grouping and retyped separators, rejects malformed groups', () => {
    expect(groupedInt('3 478 274 491')).toBe(3_478_274_491);
    expect(groupedInt('3,478,274,491')).toBe(3_478_274_491);
    expect(groupedInt('3\u00a0478\u00a0274\u00a0491')).toBe(3_478_274_491);
    expect(groupedInt('3478274491')).toBe(3_478_274_491);
    expect(groupedInt('34 78')).toBeNull();
  });
});

describe('bounded memory and the pre-filter', () => {
  it('caps event lists', () => {
    const line = "00:00:01.000000 TM: Switching TSC mode from 'Dynamic' to 'RealTscOffset'\n";
    const f = parse(line.repeat(MAX_VBOX_EVENTS + 50));
    expect(f.tscModeSwitches).toHaveLength(MAX_VBOX_EVENTS);
    expect(f.switchedToRealTscOffset).toBe(true);
  });

  it('decodes only the lines it reads', () => {
    const p = createVboxParser();
    let pushed = 0;
    const push = p.push.bind(p);
    p.push = (l, n) => { pushed++; push(l, n); };
    const noise = [
      '00:00:00.280381 VMMDev: Guest Additions capability report: (0x0 -> 0x0) seamless: no, hostWindowMapping: no, graphics: no',
      '00:00:00.280382 PDM: Loaded plug-in "VBoxDD"',
      '00:00:50.539529 /PDM/CritSects/GIMDev#0Auto/ContentionR3        0 times',
      '00:00:08.939796   MSR - Model Specific Registers                          = 1 (1)',
      "00:00:07.534280 Console: Machine state changed to 'Starting'",
      '00:00:52.000000 GIM: KVM: Enabled wall-clock struct. at 0x0000000001892684 - u32Sec=1584385096 u32Nano=894478600 uVersion=2',
    ].join('\n');
    const f = parseText(p, `${noise}\n00:00:00.280647 TM: cTSCTicksPerSecond=2 294 798 965 (0x88c7da75) enmTSCMode=1 (VirtTscEmulated)\n`);
    expect(pushed).toBe(1);
    expect(f.tscTicksPerSecond).toBe(2_294_798_965);
    expect(f.lastSeconds).toBe(0.280647);
  });
});

describe('looksLikeVboxLog', () => {
  it('recognises headers of every era and headerless fragments', () => {
    expect(looksLikeVboxLog('VirtualBox VM 5.0.6 r103037 win.amd64 (Oct  2 2015 13:35:19) release log\r\n00:00:06.900506 Log opened 2016-02-24T15:09:39.854029800Z\r\n')).toBe(true);
    expect(looksLikeVboxLog('00:00:00.362 VirtualBox 3.2.12 r68302 linux.x86 (Nov 30 2010 14:58:00) release log\n')).toBe(true);
    expect(looksLikeVboxLog([
      '[COLOR="Red"]00:00:01.459 SVM - AMD VM Extensions                = 0 (1)[/COLOR]',
      '00:00:01.459 Hst:           00000000 00000000 00000000 00000000',
      '00:00:01.523 TM: GIP - u32Mode=2 (AsyncTSC) u32UpdateHz=83',
      '00:00:01.563 TM: cTSCTicksPerSecond=0x7caafe41 (2 091 580 993) fTSCVirtualized=true  fTSCUseRealTSC=false',
    ].join('\n'))).toBe(true);
  });

  it('rejects guest logs and other text', () => {
    expect(looksLikeVboxLog('[    0.000000] Linux version 6.1.0\n[    0.000000] tsc: Detected 3400.109 MHz processor\n')).toBe(false);
    expect(looksLikeVboxLog('[26267.448008] 17:01:19.979820 timesync vgsvcTimeSyncWorker: Radical guest time change: 73 879 510 734 000ns\n')).toBe(false);
    expect(looksLikeVboxLog('processor\t: 0\nvendor_id\t: GenuineIntel\n')).toBe(false);
    expect(looksLikeVboxLog('')).toBe(false);
  });
});

describe('looksLikeVboxLog over the repo fixtures', () => {
  const FIX = path.resolve(import.meta.dirname, '..', 'fixtures');
  const files = (dir: string): string[] => (fs.existsSync(path.join(FIX, dir)) ? fs.readdirSync(path.join(FIX, dir)).filter((f) => f !== 'SOURCE.md' && !f.endsWith('.tsv')).map((f) => path.join(FIX, dir, f)) : []);
  const head = (f: string): string => fs.readFileSync(f).subarray(0, 64 * 1024).toString('utf8');

  it.each(files('vbox').map((f) => [path.basename(f), f]))('vbox/%s is a VBox.log', (_n, f) => {
    expect(looksLikeVboxLog(head(f as string))).toBe(true);
  });

  it.each(['dmesg', 'cpuinfo', 'timer_list'].flatMap(files).map((f) => [path.relative(FIX, f), f]))('%s is not', (_n, f) => {
    expect(looksLikeVboxLog(head(f as string))).toBe(false);
  });
});
