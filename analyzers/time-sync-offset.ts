/**
 * Time-sync rules about offsets: a large offset no daemon steps (ntpd without `-g`, chrony without
 * `makestep`, ntpd's absurd "frequency error" that an unstepped offset produces), a large offset a
 * daemon found and stepped (the clock stopped while the VM was paused or the host slept, or started
 * from an RTC in local time), the system clock set back and forth under chronyd, and VBoxService
 * slewing minutes at 0.5 ms/s because they are below its set-threshold. None of them is a
 * clocksource matter: the clock did not run at a wrong rate, it was wrong when it started or woke.
 */
import type { ChronyFacts, Facts, LineRef, NtpFacts, TimeSyncLogLine } from '../agent/facts.js';
import type { Analyzer, EvidenceItem, Finding, Fix } from '../agent/findings.js';
import { derive, type Derived } from '../agent/derive/index.js';
import { TIME_SYNC_FACT_KEYS } from '../agent/derive/time-sync.js';
import { ntpFrequencyError, systemPeer } from '../agent/evidence/ntp/state.js';
import { dedupe, fmtDuration, fmtPpm, KERNEL_SLEW_PPM, lineEvidence, refEvidence, vmNameArg } from './util.js';

/** chrony's default maxslewrate (chrony.conf(5)): 83 333.333 ppm, one second of offset per 12 s. */
const CHRONY_SLEW_PPM = 1e6 / 12;
/** ntpd's panic threshold (ntp_loopfilter.c CLOCK_PANIC): beyond it ntpd exits unless started with -g. */
const NTPD_PANIC_SECONDS = 1000;
/** An offset chrony would slew for 12 minutes or more: worth stepping. */
const SLEW_WORTH_STEPPING_SECONDS = 60;
/** Steps this large mean the clock was wrong for a reason worth naming. */
const NOTABLE_STEP_SECONDS = 10;
const SERIOUS_STEP_SECONDS = 60;
/** VBoxService adjtime() amounts this large take hours at the kernel's 500 ppm. */
const VBOX_SLOW_SLEW_SECONDS = 5;
/** VBoxService's default `--timesync-set-threshold` (VBoxServiceTimeSync.cpp): 20 min. */
const VBOX_SET_THRESHOLD_MS = 1_200_000;

/** One correction of the clock a daemon reports. `seconds` > 0: the clock was behind. */
interface Correction {
  daemon: 'chronyd' | 'ntpd' | 'ntpdate';
  seconds: number;
  how: 'stepped' | 'slewing' | 'refused';
  evidence: EvidenceItem;
  line: number;
}

/** 1 d 4 h, 9 d 20 h, or fmtDuration below two days. */
function fmtLong(s: number): string {
  if (s < 2 * 86_400) return fmtDuration(s);
  return `${Math.floor(s / 86_400)} d ${Math.round((s % 86_400) / 3600)} h`;
}

const behindOrAhead = (s: number): string => `${fmtDuration(Math.abs(s))} ${s >= 0 ? 'behind' : 'ahead'}`;

function chronyCorrections(c: ChronyFacts): Correction[] {
  const out: Correction[] = [];
  const ev = (r: LineRef): EvidenceItem => lineEvidence('chrony', c, r);
  c.events.forEach((e, i) => {
    if (e.seconds === null) return;
    const next = c.events.slice(i + 1, i + 4);
    if (e.kind === 'stepped') out.push({ daemon: 'chronyd', seconds: e.seconds, how: 'stepped', evidence: ev(e), line: e.line });
    else if (e.kind === 'initial-offset' || e.kind === 'clock-wrong') {
      if (e.mode === 'ignored') return;
      // Modern chronyd logs "wrong by" and, when makestep allows it, "was stepped by" right after.
      if (e.mode === null && next.some((n) => n.kind === 'stepped')) return;
      out.push({ daemon: 'chronyd', seconds: e.seconds, how: e.mode === 'step' ? 'stepped' : 'slewing', evidence: ev(e), line: e.line });
    } else if (e.kind === 'max-change') out.push({ daemon: 'chronyd', seconds: e.seconds, how: 'refused', evidence: ev(e), line: e.line });
  });
  const t = c.tracking;
  const ref = c.refs['tracking.systemTimeOffsetSeconds'];
  if (t?.systemTimeOffsetSeconds != null && ref !== undefined) out.push({ daemon: 'chronyd', seconds: t.systemTimeOffsetSeconds, how: 'slewing', evidence: ev(ref), line: ref.line });
  return out;
}

function ntpCorrections(n: NtpFacts): Correction[] {
  const out: Correction[] = [];
  for (const e of n.events) {
    if (e.seconds === null) continue;
    if (e.kind === 'step' || e.kind === 'ntpdate-step') out.push({ daemon: e.program, seconds: e.seconds, how: 'stepped', evidence: lineEvidence('ntp', n, e), line: e.line });
    else if (e.kind === 'sanity-limit') out.push({ daemon: 'ntpd', seconds: e.seconds, how: 'refused', evidence: lineEvidence('ntp', n, e), line: e.line });
  }
  // ntpq shows the offsets of servers ntpd has not acted on yet: beyond 1000 s it will not (without -g).
  const answering = n.peers.filter((p) => (p.reach ?? 0) > 0 && p.offsetMs !== null);
  if (systemPeer(n) === null && answering.length > 0) {
    const offsets = answering.map((p) => p.offsetMs! / 1000).sort((a, b) => a - b);
    const median = offsets[Math.floor(offsets.length / 2)]!;
    if (Math.abs(median) >= NTPD_PANIC_SECONDS) out.push({ daemon: 'ntpd', seconds: median, how: 'refused', evidence: lineEvidence('ntp', n, answering[0]!), line: answering[0]!.line });
  }
  return out;
}

function corrections(facts: Facts): Correction[] {
  return [...(facts.chrony !== null ? chronyCorrections(facts.chrony) : []), ...(facts.ntp !== null ? ntpCorrections(facts.ntp) : [])];
}

const largest = (list: Correction[]): Correction | null => list.reduce<Correction | null>((a, b) => (a === null || Math.abs(b.seconds) > Math.abs(a.seconds) ? b : a), null);

const NTPD_FIXES: Fix[] = [
  { where: 'guest', summary: 'Stop ntpd, step the clock once with `ntpd -gq`, then run ntpd with `-g` (in OPTIONS/NTPD_OPTS of /etc/sysconfig/ntpd or /etc/default/ntp) so it may step a large offset when it starts.', command: 'sudo ntpd -gq' },
  { where: 'guest', summary: 'On a VM also put `tinker panic 0` first in ntp.conf, so a later pause or restore cannot make ntpd give up; or switch to chrony with `makestep 1 -1`.' },
];
const CHRONY_FIXES: Fix[] = [
  { where: 'guest', summary: 'Step the clock now.', command: 'sudo chronyc makestep' },
  { where: 'guest', summary: 'Let chronyd step large offsets: `makestep 1 3` in chrony.conf steps during the first 3 updates; on a VM use `makestep 1 -1` so it also steps after a pause, restore or host sleep (Azure\'s recommendation).' },
];

/** TIMESYNC_NO_INITIAL_STEP: a large offset the daemon will not, or cannot quickly, remove. */
export function noInitialStep(facts: Facts): Finding[] {
  const list = corrections(facts).filter((c) => c.how === 'refused' || (c.how === 'slewing' && Math.abs(c.seconds) >= SLEW_WORTH_STEPPING_SECONDS));
  const freq = facts.ntp === null ? null : ntpFrequencyError(facts.ntp);
  const freqUnstepped = freq !== null && freq.reading === 'unstepped-offset' ? freq : null;
  const worst = largest(list);
  if (worst === null && freqUnstepped === null) return [];
  const ntpd = worst === null || worst.daemon !== 'chronyd';
  const ev = dedupe([...(worst !== null ? [worst.evidence] : []), ...(freqUnstepped !== null && facts.ntp !== null ? [lineEvidence('ntp', facts.ntp, freqUnstepped.event)] : []), ...refEvidence('ntp', facts.ntp, 'commandLine')]);
  const slewSeconds = worst !== null ? Math.abs(worst.seconds) * (1e6 / CHRONY_SLEW_PPM) : null;
  let title: string;
  const panicGate = facts.ntp?.panicGate ?? null;
  if (worst !== null && worst.how === 'refused' && worst.daemon === 'ntpd') {
    title = `ntpd will not correct a clock ${behindOrAhead(worst.seconds)}: beyond its ${NTPD_PANIC_SECONDS} s sanity limit it refuses and exits${panicGate === true ? ' (-g allows that only once, at start)' : ' unless started with -g: it needs an initial step'}`;
  } else if (worst !== null && worst.daemon === 'chronyd') {
    title = worst.how === 'refused'
      ? `chronyd refuses to correct a clock ${behindOrAhead(worst.seconds)} (maxchange)`
      : `chronyd slews a clock ${behindOrAhead(worst.seconds)} instead of stepping it (no makestep): at most ${fmtPpm(CHRONY_SLEW_PPM)}, that takes ${fmtLong(slewSeconds!)}`;
  } else {
    title = `ntpd cannot slew the clock: its frequency correction (${fmtPpm(freqUnstepped!.ppm)}) is far beyond the ${KERNEL_SLEW_PPM} ppm the kernel allows — a large offset was never stepped`;
  }
  const detail = ntpd
    ? `ntpd slews at most ${KERNEL_SLEW_PPM} ppm (0.5 ms per second, 2000 s for each second of offset) and steps only offsets it sees for its whole stepout (300–900 s); an offset beyond ${NTPD_PANIC_SECONDS} s it refuses unless started with -g. `
      + 'A frequency error far beyond 500 ppm is what ntpd computes when it divides an offset it never stepped by its stepout interval (7200 s over ~900 s ≈ 8 000 ppm) — the clock was hours off when ntpd started; only if the clock really runs that fast or slow is it a rate problem (see the rate findings). '
      + 'A VM that boots or resumes with its clock hours off (a template, an RTC in local time, a paused VM) needs the one step ntpd does not take by default.'
    : `chronyd slews at most ${fmtPpm(CHRONY_SLEW_PPM)} (1 s per 12 s) and steps only as its makestep directive allows (none by default; Debian's makestep 1 3 only during the first 3 updates). `
      + `Until the slew ends, the clock stays ${behindOrAhead(worst!.seconds)} and shrinks slowly.${facts.chrony?.config.makestep ? ` chrony.conf here has makestep ${facts.chrony.config.makestep.thresholdSeconds} ${facts.chrony.config.makestep.limit}: an offset that appears after the first updates is slewed.` : ''}`;
  return [{
    id: 'TIMESYNC_NO_INITIAL_STEP',
    severity: 'warning',
    title,
    detail,
    evidence: ev,
    fixes: ntpd ? [...NTPD_FIXES, { where: 'guest', summary: 'With chrony instead: `makestep 1 3` (or `makestep 1 -1` on a VM) steps large offsets; it also follows rate errors up to 100 000 ppm.' }] : CHRONY_FIXES,
    data: { offsetSeconds: worst?.seconds ?? null, daemon: worst?.daemon ?? 'ntpd', frequencyPpm: freqUnstepped?.ppm ?? null },
  }];
}

/** A WSL2 VM (every source labels it so: `wsl --version`, a `-microsoft-standard-WSL2` kernel, a `wsl -e` prompt). */
const isWsl = (d: Derived): boolean => /\bWSL/i.test(d.platform.hypervisorLabel ?? '');

/** WSL2 boots its VM with the host's time; its resume resync was broken and fixed more than once (microsoft/WSL#4245, #5324, #10006). */
const WSL_RESUME_FIX: Fix = {
  where: 'host',
  summary: 'WSL2: restart its VM from Windows (PowerShell or cmd) — it boots with the host\'s time — and keep WSL updated (`wsl --update`): the resync after a host sleep has had several fixes (microsoft/WSL#4245, #5324).',
  command: 'wsl --shutdown',
};

/** How the hypervisor can set the guest's clock after a resume, by platform. */
function resumeFix(facts: Facts, d: Derived): Fix {
  switch (d.platform.hypervisor) {
    case 'virtualbox': {
      const vm = vmNameArg(facts.vbox);
      return { where: 'host', summary: `Let the Guest Additions set the clock after a pause: lower VBoxService's set-threshold so it steps instead of slewing (then restart the Guest Additions service).${vm.note}`, command: `VBoxManage guestproperty set ${vm.arg} "/VirtualBox/GuestAdd/VBoxService/--timesync-set-threshold" 10000` };
    }
    case 'vmware': return { where: 'guest', summary: 'Keep VMware Tools running: it sets the clock from the host when the VM resumes (time.synchronize.resume.host, on by default).' };
    case 'hyperv':
      // WSL2's utility VM is no VM Hyper-V Manager lists: its time sync is WSL's own, so there is no integration service to turn on.
      if (isWsl(d)) return WSL_RESUME_FIX;
      return { where: 'host', summary: 'Turn on the Time Synchronization integration service: Hyper-V then sets the guest clock at boot and restore.', command: 'powershell -Command "Enable-VMIntegrationService -VMName \'VM_NAME\' -Name \'Time Synchronization\'"' };
    default: return { where: 'host', summary: 'Have the hypervisor push the host time after resume: a QEMU guest agent (`virsh domtime DOMAIN --sync`, `guest-set-time`), or a VM manager version that resyncs the guest clock on wake.' };
  }
}

/** What else the log shows around the step: the clock set back or forth by someone other than chronyd. */
function jumps(c: ChronyFacts | null): { backward: LineRef[]; forward: LineRef[] } {
  return { backward: c?.events.filter((e) => e.kind === 'backward-jump') ?? [], forward: c?.events.filter((e) => e.kind === 'forward-jump') ?? [] };
}

/** True when |s| is within a minute of a whole number of hours (1–14): the signature of local time taken for UTC. */
const wholeHours = (s: number): boolean => Math.abs(s) >= 3000 && Math.abs(s) <= 14 * 3600 + 60 && Math.abs(Math.abs(s) - Math.round(Math.abs(s) / 3600) * 3600) <= 60;

/** Why a clock was behind when its daemon found it, for the machine's role. */
function behindWhy(d: Derived): string {
  if (d.platform.role === 'bare-metal' || d.platform.role === 'host') {
    return 'A machine whose clock is minutes behind at boot kept bad time while it was off: a flat CMOS battery, or an RTC that was never written back (no `hwclock --systohc`, no rtcsync).';
  }
  return 'A guest clock that is minutes behind when its daemon starts, or after a wake, stopped (or was starved) while the VM was paused or suspended or the host slept; at resume nothing set it from the host\'s clock — no guest agent resync on wake, no NTP client that steps — so the guest fell behind by the time it was away.';
}

/** TIMESYNC_LARGE_OFFSET_STEPPED: a daemon found the clock far off and stepped it: why it was off is the question. */
export function largeOffsetStepped(facts: Facts, d: Derived = derive(facts)): Finding[] {
  const worst = largest(corrections(facts).filter((c) => c.how === 'stepped' && Math.abs(c.seconds) >= NOTABLE_STEP_SECONDS));
  if (worst === null) return [];
  // A step that a rate error beyond the daemon's reach built up is that rate's symptom (TIMESYNC_DAEMON_CAPACITY), not a pause.
  const freq = facts.ntp === null ? null : ntpFrequencyError(facts.ntp);
  if (freq?.reading === 'rate' && worst.daemon === 'ntpd') return [];
  const behind = worst.seconds > 0;
  const guest = d.platform.role !== 'bare-metal' && d.platform.role !== 'host';
  const j = jumps(facts.chrony);
  const laterBack = j.backward.filter((r) => r.line > worst.line);
  const why = behind
    ? behindWhy(d)
    : wholeHours(worst.seconds)
      ? `The clock was ahead by a whole number of hours: the RTC (or the template or host it came from) holds local time and the guest reads it as UTC${facts.timedatectl?.rtcInLocalTz === true ? ' — timedatectl says RTC in local TZ: yes' : ''}.`
      : 'A clock that starts ahead usually comes from a restored snapshot or saved state, or a host whose own clock is ahead.';
  const second = laterBack.length > 0
    ? ` After the step chronyd saw the clock jump backwards (${laterBack.length}×): something else set it back — a guest agent or hwclock restoring it from an RTC that is itself behind, or a second daemon — so two programs own this clock.`
    : '';
  return [{
    id: 'TIMESYNC_LARGE_OFFSET_STEPPED',
    severity: Math.abs(worst.seconds) >= SERIOUS_STEP_SECONDS ? 'warning' : 'info',
    title: `${worst.daemon} found the clock ${behindOrAhead(worst.seconds)} and stepped it${behind && guest ? ': the guest clock fell behind while it was not running (paused, suspended, host asleep)' : ''}`,
    detail: `${why}${second} Until the step, everything on the machine ran on the wrong time. This is no clocksource or TSC problem: the clock did not run at a wrong rate, it was wrong when it started or woke.`,
    evidence: dedupe([worst.evidence, ...laterBack.slice(0, 2).map((r) => lineEvidence('chrony', facts.chrony!, r))]),
    fixes: [
      { where: 'guest', summary: 'Keep an NTP client that steps: chrony with `makestep 1 -1` steps whenever the clock is more than 1 s off, also after every wake or resume.', command: 'sudo chronyc makestep' },
      ...(behind && guest ? [resumeFix(facts, d)] : []),
      ...(!behind && wholeHours(worst.seconds) ? [{ where: 'guest' as const, summary: 'Keep the RTC in UTC.', command: 'sudo timedatectl set-local-rtc 0' }] : []),
      ...(laterBack.length > 0 ? [{ where: 'guest' as const, summary: 'Find the other program setting the clock (`journalctl -b | grep -i "time has been changed"`) and let only one own it.' }] : []),
    ],
    data: { offsetSeconds: worst.seconds, daemon: worst.daemon, backwardJumps: laterBack.length },
  }];
}

/** TIMESYNC_CLOCK_JUMPS: chronyd saw the system clock set under it, with no large step of its own to explain it. */
export function clockJumps(facts: Facts): Finding[] {
  const c = facts.chrony;
  const j = jumps(c);
  if (c === null || j.backward.length + j.forward.length === 0) return [];
  if (corrections(facts).some((x) => x.how === 'stepped' && Math.abs(x.seconds) >= NOTABLE_STEP_SECONDS)) return [];
  return [{
    id: 'TIMESYNC_CLOCK_JUMPS',
    severity: 'info',
    title: `chronyd saw the system clock jump under it (${j.backward.length} backward, ${j.forward.length} forward)`,
    detail: 'chronyd logs a time jump when the clock changed by something other than itself: a hypervisor agent setting the time after a resume, hwclock, a manual date, or a second daemon. Forward jumps right after a host sleep are the hypervisor catching the guest up; backward ones mean another program steers this clock too.',
    evidence: dedupe([...j.backward, ...j.forward].slice(0, 3).map((r) => lineEvidence('chrony', c, r))),
    fixes: [{ where: 'guest', summary: 'Find the other program setting the clock and let only one own it.', command: 'journalctl -b | grep -i "time has been changed"' }],
    data: { backward: j.backward.length, forward: j.forward.length },
  }];
}

/** VBoxService's `--timesync-set-threshold` from the process scan, or its default. */
function setThresholdMs(facts: Facts): { ms: number; configured: boolean } {
  const v = facts.timesync?.daemons.find((x) => x.name === 'VBoxService')?.vboxTimesync?.setThresholdMs ?? null;
  return v !== null ? { ms: v, configured: true } : { ms: VBOX_SET_THRESHOLD_MS, configured: false };
}

/** VBOX_TIMESYNC_SLEWING: VBoxService adjusts a lag of seconds to minutes with adjtime() (500 ppm) because it is below its set-threshold. */
export function vboxSlewing(facts: Facts): Finding[] {
  const sources: { lines: TimeSyncLogLine[]; source: 'vbox' | 'kernel-log' | 'vboxservice'; section: { path: string | null; refs: Record<string, LineRef> } }[] = [];
  if (facts.vbox !== null) sources.push({ lines: facts.vbox.timeSync, source: 'vbox', section: facts.vbox });
  if (facts.kernelLog !== null) sources.push({ lines: facts.kernelLog.timeSync, source: 'kernel-log', section: facts.kernelLog });
  if (facts.vboxservice !== null) sources.push({ lines: facts.vboxservice.timeSync, source: 'vboxservice', section: facts.vboxservice });
  const threshold = setThresholdMs(facts);
  let worst: { line: TimeSyncLogLine; source: 'vbox' | 'kernel-log' | 'vboxservice'; section: { path: string | null; refs: Record<string, LineRef> } } | null = null;
  for (const s of sources) {
    for (const l of s.lines) {
      if (l.kind !== 'adjtime' || l.deltaNs === null) continue;
      const sec = Math.abs(l.deltaNs) / 1e9;
      if (sec < VBOX_SLOW_SLEW_SECONDS || sec * 1000 > threshold.ms) continue;
      if (worst === null || sec > Math.abs(worst.line.deltaNs!) / 1e9) worst = { line: l, source: s.source, section: s.section };
    }
  }
  if (worst === null) return [];
  const sec = Math.abs(worst.line.deltaNs!) / 1e9;
  const vm = vmNameArg(facts.vbox);
  return [{
    id: 'VBOX_TIMESYNC_SLEWING',
    severity: 'warning',
    title: `VBoxService slews a ${fmtDuration(sec)} lag with adjtime() instead of setting the clock: at 0.5 ms/s that takes ${fmtLong(sec / (KERNEL_SLEW_PPM / 1e6))}`,
    detail: `The Guest Additions set the guest clock only when it is off by more than --timesync-set-threshold (${threshold.configured ? `${threshold.ms} ms here` : '20 min by default'}); below it they call adjtime(), which the kernel slews at 500 ppm, and each new call replaces the last. `
      + 'A lag of minutes after a host sleep or a VM pause therefore lingers for days. Lowering the set-threshold makes VBoxService step it within seconds.',
    evidence: [lineEvidence(worst.source, worst.section, worst.line)],
    fixes: [
      { where: 'host', summary: `Make VBoxService set the clock when it is more than 10 s off (takes effect when the Guest Additions service restarts).${vm.note}`, command: `VBoxManage guestproperty set ${vm.arg} "/VirtualBox/GuestAdd/VBoxService/--timesync-set-threshold" 10000` },
      { where: 'guest', summary: 'Restart the Guest Additions service so it reads the new threshold.', command: 'sudo systemctl restart vboxadd-service' },
    ],
    data: { lagSeconds: Math.round(sec * 1000) / 1000, setThresholdMs: threshold.ms },
  }];
}

export const timeSyncOffsetAnalyzer: Analyzer = {
  id: 'time-sync-offset',
  needs: [],
  needsAny: TIME_SYNC_FACT_KEYS,
  run: (facts, d) => [...noInitialStep(facts), ...largeOffsetStepped(facts, d), ...clockJumps(facts), ...vboxSlewing(facts)],
};
