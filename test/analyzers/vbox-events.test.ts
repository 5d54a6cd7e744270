import { describe, expect, it } from 'vitest';
import { catchUpGivenUp, hostSuspend } from '../../analyzers/vbox-events.js';
import { documentedVbox, facts, kernelLog, vbox } from './helpers.js';

const giveUp = (line: number, lagS: number, totalS: number) => ({ line, excerpt: `TM: Giving up catch-up attempt at a ${lagS} s lag`, atSeconds: line, kind: 'gave-up' as const, lagNs: lagS * 1e9, totalNs: totalS * 1e9 });

describe('VBOX_CATCH_UP_GIVEN_UP', () => {
  it('reports the total lost and the largest lag, quoting the largest line', () => {
    const v = vbox({ catchUpGiveUps: [giveUp(10, 61, 61), giveUp(20, 62, 123), giveUp(30, 63, 186), giveUp(40, 64, 250), giveUp(50, 818, 1068)] });
    const [f] = catchUpGivenUp(facts({ vbox: v }));
    expect(f).toMatchObject({ id: 'VBOX_CATCH_UP_GIVEN_UP', severity: 'warning' });
    expect(f!.data).toMatchObject({ events: 5, maxLagSeconds: 818, totalLostSeconds: 1068 });
    expect(f!.evidence.map((e) => e.line)).toContain(50);
    expect(f!.evidence.length).toBeLessThanOrEqual(4);
  });

  it('is info when it only happened on reset', () => {
    const v = vbox({ catchUpGiveUps: [{ ...giveUp(10, 1, 1), kind: 'aborted-on-reset' }] });
    expect(catchUpGivenUp(facts({ vbox: v }))[0]!.severity).toBe('info');
  });

  it('names NEM as the likely starver only when the log does not say which engine ran and the host may be Windows', () => {
    const lost = [giveUp(1, 114, 114)];
    const says = (over: Parameters<typeof vbox>[0]) => catchUpGivenUp(facts({ vbox: vbox({ catchUpGiveUps: lost, ...over }) }))[0]!.detail;
    expect(says({ nem: null, hostOs: null, hostTarget: null })).toMatch(/HMR3Init: Attempting fall back to NEM/);
    expect(says({ nem: null, hostOs: 'Windows', hostTarget: 'win.amd64' })).toMatch(/Hyper-V/);
    // A macOS ("darwin") or Linux host cannot run VirtualBox on Hyper-V; a log that shows the engine needs no guess.
    expect(says({ nem: null, hostOs: 'macOS', hostTarget: 'darwin.amd64' })).not.toMatch(/NEM/);
    expect(says({ nem: null, hostOs: 'Linux', hostTarget: 'linux.amd64' })).not.toMatch(/NEM/);
    expect(says({ nem: { active: false, fallbackReason: null, snailMode: false }, hostOs: null, hostTarget: null })).not.toMatch(/NEM/);
  });

  it('is silent without give-ups', () => {
    expect(catchUpGivenUp(facts({ vbox: vbox() }))).toEqual([]);
  });
});

describe('VBOX_HOST_SUSPEND', () => {
  const v = vbox({ hostPowerEvents: [{ line: 5, excerpt: "Pausing VM execution, reason 'HostSuspend'", atSeconds: 5, kind: 'suspend' }, { line: 6, excerpt: "Resuming VM execution, reason 'HostResume'", atSeconds: 600, kind: 'resume' }] });

  it('is info on its own, with the set-threshold fix', () => {
    const [f] = hostSuspend(facts({ vbox: v }));
    expect(f).toMatchObject({ id: 'VBOX_HOST_SUSPEND', severity: 'info' });
    expect(f!.fixes[0]!.command).toBe('VBoxManage guestproperty set web "/VirtualBox/GuestAdd/VBoxService/--timesync-set-threshold" 10000');
  });

  it('is a warning when the guest also marked its TSC unstable (R11)', () => {
    expect(hostSuspend(facts({ vbox: v, kernelLog: kernelLog({ tscUnstable: true }) }))[0]!.severity).toBe('warning');
  });
});

describe('VBOX_NEM_HYPERV', () => {
  it('names Hyper-V as what starves the VM, a warning when the log shows lost time, with host fixes only', async () => {
    const { nemOnHyperV } = await import('../../analyzers/vbox-events.js');
    const nem = { active: true, fallbackReason: 'VT-x is not available', snailMode: true };
    const quiet = nemOnHyperV(facts({ vbox: documentedVbox({ nem, tscMode: 'NativeApi' }) }));
    expect(quiet).toHaveLength(1);
    expect(quiet[0]).toMatchObject({ id: 'VBOX_NEM_HYPERV', severity: 'info' });
    expect(quiet[0]!.fixes.every((f) => f.where === 'host')).toBe(true);
    expect(quiet[0]!.fixes[0]!.command).toBe('bcdedit /set hypervisorlaunchtype off');
    const lost = nemOnHyperV(facts({ vbox: documentedVbox({ nem, catchUpGiveUps: [{ line: 9, excerpt: 'TM: Giving up catch-up attempt at a 60 001 005 410 ns lag', atSeconds: 1, kind: 'gave-up', lagNs: 60_001_005_410, totalNs: null }] }) }));
    expect(lost[0]!.severity).toBe('warning');
    expect(nemOnHyperV(facts({ vbox: documentedVbox({ nem: { active: false, fallbackReason: null, snailMode: false } }) }))).toEqual([]);
    expect(nemOnHyperV(facts({ vbox: documentedVbox() }))).toEqual([]);
  });
});
