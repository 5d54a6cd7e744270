/**
 * Things that happened to a running VirtualBox VM and took guest time with them: virtual-sync
 * catch-up given up (R12) and host suspends (R6, R11).
 */
import type { Facts, VboxCatchUpGiveUp } from '../agent/facts.js';
import type { Analyzer, EvidenceItem, Finding } from '../agent/findings.js';
import { VBOX_CATCH_UP_GIVE_UP_SECONDS } from '../agent/util/timekeeping.js';
import { fmtDuration, lineEvidence, refEvidence, vmNameArg } from './util.js';

const MAX_EVIDENCE_LINES = 4;

/** Host fix: the Guest Additions step the clock once it is more than 10 s off, instead of slewing for days. */
const setThresholdCommand = (vmArg: string): string => `VBoxManage guestproperty set ${vmArg} "/VirtualBox/GuestAdd/VBoxService/--timesync-set-threshold" 10000`;
/** Guest fix: chrony may step at any time, not only at start. */
const CHRONY_MAKESTEP_COMMAND = "echo 'makestep 1.0 -1' | sudo tee -a /etc/chrony/chrony.conf";

/**
 * The log (often a pasted excerpt) says neither that VirtualBox used its own VT-x/AMD-V engine nor
 * that it fell back to NEM, and nothing says the host is not Windows: then the commonest cause of a
 * stall long enough to give up catching up on a Windows 10/11 host — Hyper-V holding the hardware —
 * is worth naming, with the line that settles it.
 */
function nemUnknownOnMaybeWindows(v: NonNullable<Facts['vbox']>): boolean {
  if (v.nem !== null) return false;
  const os = `${v.hostOs ?? ''} ${v.hostTarget ?? ''}`.trim();
  return os === '' || /(?:^|\s)win(?:dows|\.)/i.test(os); // not `darwin`
}
const NEM_UNKNOWN_NOTE = ' The lines shown do not say which engine ran the VM: on a Windows host, a stall this long is typical of VirtualBox running through Hyper-V (NEM, the green-turtle icon) because Hyper-V, VBS/Memory Integrity or WSL2 holds VT-x. '
  + 'Look near the top of the full VBox.log: `HM: HMR3Init: Attempting fall back to NEM` means NEM (see VBOX_NEM_HYPERV), `VT-x w/ nested paging` or `AMD-V w/ nested paging` means VirtualBox\'s own engine.';

/** VBOX_CATCH_UP_GIVEN_UP (R12): guest time permanently lost by the virtual-sync clock. */
export function catchUpGivenUp(facts: Facts): Finding[] {
  const v = facts.vbox;
  if (v === null || v.catchUpGiveUps.length === 0) return [];
  const real = v.catchUpGiveUps.filter((g) => g.kind !== 'aborted-on-reset');
  const events = real.length > 0 ? real : v.catchUpGiveUps;
  const maxLag = events.reduce<VboxCatchUpGiveUp>((a, b) => (b.lagNs > a.lagNs ? b : a), events[0] as VboxCatchUpGiveUp);
  const totals = v.catchUpGiveUps.map((g) => g.totalNs).filter((t): t is number => t !== null);
  const totalNs = totals.length > 0 ? Math.max(...totals) : events.reduce((s, g) => s + g.lagNs, 0);
  const picked = [...events.slice(0, MAX_EVIDENCE_LINES - 1)];
  if (!picked.includes(maxLag)) picked.push(maxLag);
  const evidence: EvidenceItem[] = picked.map((g) => lineEvidence('vbox', v, g));
  const vm = vmNameArg(v);
  return [{
    id: 'VBOX_CATCH_UP_GIVEN_UP',
    severity: real.length > 0 ? 'warning' : 'info',
    title: `VirtualBox gave up catching up guest time ${events.length} time${events.length === 1 ? '' : 's'}: the guest lost ${fmtDuration(totalNs / 1e9)} in total (largest lag ${fmtDuration(maxLag.lagNs / 1e9)})`,
    detail: `When the VM cannot run for a while (host overloaded, paused, a slow disk, the host asleep${v.nem?.active === true ? ', and here above all VirtualBox running through Hyper-V (NEM), see VBOX_NEM_HYPERV' : ''}), VirtualBox's virtual clock falls behind and is then run faster to catch up; `
      + `beyond a ${VBOX_CATCH_UP_GIVE_UP_SECONDS} s lag it gives up and the time is dropped for good. Guest clocks driven by virtual time (acpi_pm, hpet, timer ticks) stay behind until a time-sync service steps them.`
      + (real.length === 0 ? ' Here it happened only on VM reset, which is harmless.' : '')
      + (real.length > 0 && nemUnknownOnMaybeWindows(v) ? NEM_UNKNOWN_NOTE : ''),
    evidence,
    fixes: [
      { where: 'host', summary: 'Give the VM fewer vCPUs than the host has free cores, and keep the host from being overloaded or swapping while the VM runs.' },
      { where: 'host', summary: `Let the Guest Additions step the time back quickly instead of slewing it for days (10 s threshold).${vm.note}`, command: setThresholdCommand(vm.arg) },
      { where: 'guest', summary: 'With chrony in the guest, allow it to step at any time (add to chrony.conf, then restart chronyd).', command: CHRONY_MAKESTEP_COMMAND },
    ],
    data: { events: events.length, maxLagSeconds: Math.round(maxLag.lagNs / 1e6) / 1e3, totalLostSeconds: Math.round(totalNs / 1e6) / 1e3 },
  }];
}

/** VBOX_HOST_SUSPEND (R6/R11): the host slept while the VM ran. */
export function hostSuspend(facts: Facts): Finding[] {
  const v = facts.vbox;
  if (v === null) return [];
  const suspends = v.hostPowerEvents.filter((e) => e.kind === 'suspend');
  if (suspends.length === 0) return [];
  const resumes = v.hostPowerEvents.filter((e) => e.kind === 'resume');
  const evidence: EvidenceItem[] = [...suspends.slice(0, 2), ...resumes.slice(0, 2)].sort((a, b) => a.line - b.line).map((e) => lineEvidence('vbox', v, e));
  const unstable = facts.kernelLog?.tscUnstable === true;
  if (unstable) evidence.push(...refEvidence('kernel-log', facts.kernelLog, 'tscUnstable'));
  const vm = vmNameArg(v);
  return [{
    id: 'VBOX_HOST_SUSPEND',
    severity: unstable ? 'warning' : 'info',
    title: `The host went to sleep ${suspends.length} time${suspends.length === 1 ? '' : 's'} while the VM ran: the guest clock stops and wakes up behind`,
    detail: 'After a host sleep the guest is behind by the sleep time. Below the Guest Additions\' 20 min set-threshold VBoxService only slews with adjtime() at ≤ 500 ppm, '
      + 'so a 10 min lag takes about two weeks to disappear; --timesync-set-on-restore covers restored saved states, not host sleep.'
      + (unstable ? ' The guest kernel also marked its TSC unstable, a common consequence of host sleep (R11).' : ''),
    evidence,
    fixes: [
      { where: 'host', summary: `Make the Guest Additions step the clock when it is more than 10 s off.${vm.note}`, command: setThresholdCommand(vm.arg) },
      { where: 'guest', summary: 'Or let chrony step at any time in the guest (add to chrony.conf, then restart chronyd).', command: CHRONY_MAKESTEP_COMMAND },
    ],
    data: { suspends: suspends.length, resumes: resumes.length },
  }];
}

/** Windows commands for the host: run in an elevated Command Prompt (no quoting needed, nothing from the log in them). */
const BCDEDIT_OFF = 'bcdedit /set hypervisorlaunchtype off';
const MEMORY_INTEGRITY_OFF = 'reg add "HKLM\\SYSTEM\\CurrentControlSet\\Control\\DeviceGuard\\Scenarios\\HypervisorEnforcedCodeIntegrity" /v Enabled /t REG_DWORD /d 0 /f';

/**
 * VBOX_NEM_HYPERV: VirtualBox fell back from its own VT-x/AMD-V engine to Hyper-V's API (NEM) because
 * Hyper-V holds the hardware (Hyper-V, VBS / Memory Integrity, WSL2, Windows Sandbox). Every VM exit is
 * then a round trip through the Windows hypervisor: the vCPUs get scheduled late, timer interrupts pile
 * up and VirtualBox's catch-up gives up, and the guest TSC is Hyper-V's (TSC mode NativeApi).
 */
export function nemOnHyperV(facts: Facts): Finding[] {
  const v = facts.vbox;
  if (v === null || v.nem === null || !v.nem.active) return [];
  const lost = v.catchUpGiveUps.filter((g) => g.kind !== 'aborted-on-reset');
  const jumps = v.timeSync.filter((t) => t.kind === 'radical-host-change' || t.kind === 'radical-guest-change' || t.kind === 'time-set');
  const symptoms = lost.length > 0 || jumps.length > 0;
  const evidence = [...refEvidence('vbox', v, 'nem', 'tscMode'), ...lost.slice(0, 2).map((g) => lineEvidence('vbox', v, g)), ...jumps.slice(0, 2).map((t) => lineEvidence('vbox', v, t))];
  return [{
    id: 'VBOX_NEM_HYPERV',
    severity: symptoms ? 'warning' : 'info',
    title: `VirtualBox runs this VM through Hyper-V (NEM, "snail mode"${v.nem.fallbackReason ? `: ${v.nem.fallbackReason}` : ''}), which starves its vCPUs and its timers`
      + (symptoms ? `; the log shows the cost (${[lost.length > 0 ? `${lost.length} catch-up give-up${lost.length === 1 ? '' : 's'}` : '', jumps.length > 0 ? `${jumps.length} guest time jump${jumps.length === 1 ? '' : 's'}` : ''].filter((x) => x).join(', ')})` : ''),
    detail: 'When Hyper-V runs on the Windows host (the Hyper-V role, Virtualization-Based Security / Memory Integrity, WSL2, Windows Sandbox, Docker Desktop) '
      + 'it owns VT-x/AMD-V, and VirtualBox falls back to the Windows Hypervisor Platform API (NEM). Every exit is then a round trip through Hyper-V: vCPUs run late, timer '
      + 'interrupts arrive in bursts, VirtualBox\'s catch-up of guest time gives up after 60 s of lag, and the guest clock falls behind until a time-sync service steps it. '
      + 'The TSC mode is NativeApi: the guest TSC is Hyper-V\'s. The cure is on the host: let VirtualBox have VT-x again.',
    evidence,
    fixes: [
      { where: 'host', summary: 'Turn the Windows hypervisor off (elevated Command Prompt, then reboot). WSL2, Docker Desktop and Windows Sandbox need it and stop working; undo with `bcdedit /set hypervisorlaunchtype auto`.', command: BCDEDIT_OFF },
      { where: 'host', summary: 'If Memory Integrity (Windows Security → Device security → Core isolation) or VBS keeps Hyper-V on, switch Memory Integrity off (elevated Command Prompt, then reboot), or in that settings page.', command: MEMORY_INTEGRITY_OFF },
      { where: 'host', summary: 'If Hyper-V must stay, give the VM fewer vCPUs and keep a time-sync service in the guest that steps (VBoxService with a 10 s set-threshold, or chrony makestep).', command: setThresholdCommand(vmNameArg(v).arg) },
    ],
    data: { fallbackReason: v.nem.fallbackReason, catchUpGiveUps: lost.length, timeJumps: jumps.length },
  }];
}

export const vboxEventsAnalyzer: Analyzer = {
  id: 'vbox-events',
  needs: ['vbox'],
  run: (facts) => [...catchUpGivenUp(facts), ...hostSuspend(facts), ...nemOnHyperV(facts)],
};
