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
    detail: 'When the VM cannot run for a while (host overloaded, paused, a slow disk, the host asleep), VirtualBox\'s virtual clock falls behind and is then run faster to catch up; '
      + `beyond a ${VBOX_CATCH_UP_GIVE_UP_SECONDS} s lag it gives up and the time is dropped for good. Guest clocks driven by virtual time (acpi_pm, hpet, timer ticks) stay behind until a time-sync service steps them.`
      + (real.length === 0 ? ' Here it happened only on VM reset, which is harmless.' : ''),
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

export const vboxEventsAnalyzer: Analyzer = {
  id: 'vbox-events',
  needs: ['vbox'],
  run: (facts) => [...catchUpGivenUp(facts), ...hostSuspend(facts)],
};
