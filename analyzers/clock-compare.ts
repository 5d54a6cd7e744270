/**
 * Rules on clocks read side by side: a guest clock that runs at the wrong rate against its host
 * (a `date` loop), and clocks that differ by a whole UTC offset (two machines' `date`, or the RTC
 * against the system clock) — a wrong initial time, not drift.
 */
import type { Facts } from '../agent/facts.js';
import type { Analyzer, EvidenceItem, Finding, Fix } from '../agent/findings.js';
import type { Derived } from '../agent/derive/index.js';
import type { ClockComparison, DateFacts, DateSample } from '../agent/evidence/date/facts.js';
import type { HwclockFacts } from '../agent/evidence/hwclock/facts.js';
import type { TimedatectlFacts } from '../agent/evidence/timedatectl/facts.js';
import { formatReading } from '../agent/evidence/date/clock-text.js';
import { shellQuote } from '../agent/util/shell-quote.js';
import { dedupe, fmtPpm, KERNEL_SLEW_PPM, lineEvidence, plainEvidence } from './util.js';

/** Beyond this no NTP daemon slews a rate error away (the kernel's adjtimex frequency limit). */
const SLEW_LIMIT_PPM = KERNEL_SLEW_PPM;
/** Below this a side-by-side rate is not worth a word. */
const NOTABLE_PPM = 100;
/** UTC offsets are whole hours (most), half hours (India, parts of Australia) or quarter hours (Nepal), at most 14 h. */
const MAX_ZONE_SECONDS = 14 * 3600;
/**
 * Readings taken "together" by hand are a minute or two apart. The slack is kept small because a random
 * gap lands near some whole offset often: within 150 s of a whole hour, or 60 s of a half hour, is 1 in 10.
 */
const MANUAL_SLACK_SECONDS = 150;

const who = (x: { host: string | null; command: string | null }): string => x.host ?? (x.command !== null ? `\`${x.command}\`` : 'the second clock');
const pct = (ppm: number): string => `${Math.abs(ppm / 1e4).toFixed(Math.abs(ppm) >= 1e5 ? 0 : 1)} %`;

/** The comparison as "the VM against its host": flipped when the VM's clock was the first column. */
function normalised(c: ClockComparison): ClockComparison {
  const vm = (p: string): boolean => p === 'vm' || p === 'container' || p === 'remote';
  if (!(vm(c.first.place) && c.second.place === 'local') || c.rate === null || c.rate <= 0) return c;
  const rate = 1 / c.rate;
  return {
    ...c, first: c.second, second: c.first, rate, ratePpm: (rate - 1) * 1e6,
    uncertaintyPpm: c.uncertaintyPpm === null ? null : c.uncertaintyPpm * rate * rate,
    steps: c.steps.map((s) => ({ ...s, seconds: -s.seconds })),
    offsetFirstSeconds: -c.offsetFirstSeconds, offsetLastSeconds: -c.offsetLastSeconds,
  };
}

function stepsText(c: ClockComparison): string {
  if (c.steps.length === 0) return '';
  const list = c.steps.slice(0, 3).map((s) => `${s.seconds > 0 ? '+' : '−'}${hms(s.seconds)} to ${s.at}`).join(', ');
  return ` It was stepped ${c.steps.length} time${c.steps.length === 1 ? '' : 's'} (${list}${c.steps.length > 3 ? ', …' : ''}): a periodic sync `
    + '(ntpclient, VBoxService, an NTP daemon that steps) puts it right and it drifts off again — the steps hide the rate, they do not fix it.';
}

function rateFixes(c: ClockComparison, d: Derived): Fix[] {
  const fixes: Fix[] = [{
    where: 'host',
    summary: 'Fix it where the clock is made, on the host: update the hypervisor, or go back to the last version that kept time — its timekeeping (the timer and TSC rate it gives the guest), not the guest, is at fault. Check also that the host is not overloaded or sleeping while the VM runs.',
  }];
  if (d.platform.hypervisor === 'virtualbox') {
    const vm = c.second.host !== null && c.second.place === 'vm' ? shellQuote(c.second.host) : 'VM_NAME';
    fixes.push({ where: 'host', summary: `See which rate and TSC mode VirtualBox gives the guest: save the VM's log and analyse it with clockdoctor${vm === 'VM_NAME' ? ' (replace VM_NAME: VBoxManage list vms)' : ''}.`, command: `VBoxManage showvminfo ${vm} --log 0 > VBox.log && clockdoctor analyze VBox.log` });
  }
  fixes.push({ where: 'guest', summary: 'Meanwhile keep a time-sync client that steps (chrony with `makestep 1 -1`), so the offset stays bounded; it cannot slew away a rate error this large (the kernel allows at most 500 ppm of slew).' });
  return fixes;
}

/** CLOCK_RATE_MISMATCH: a clock that runs at the wrong rate against the one beside it. */
export function clockRate(c0: ClockComparison, section: DateFacts, d: Derived): Finding | null {
  const c = normalised(c0);
  if (c.ratePpm === null || c.uncertaintyPpm === null) return null;
  const ppm = c.ratePpm;
  if (Math.abs(ppm) <= Math.max(c.uncertaintyPpm, NOTABLE_PPM)) return null;
  const beyond = Math.abs(ppm) > SLEW_LIMIT_PPM;
  const guest = c.second.place === 'vm' || c.second.place === 'container' || d.platform.role === 'guest';
  const clock = guest ? `The guest clock (${who(c.second)})` : `The clock of ${who(c.second)}`;
  const dir = ppm < 0 ? 'slow' : 'fast';
  const perTwelve = (c.rate! * 12).toFixed(1);
  const hv = d.platform.hypervisorLabel;
  const evidence: EvidenceItem[] = dedupe([
    ...(c.loopLine !== null ? [lineEvidence('date', section, c.loopLine)] : []),
    lineEvidence('date', section, c.firstRow), ...c.steps.slice(0, 3).map((s) => lineEvidence('date', section, s)), lineEvidence('date', section, c.lastRow),
  ]);
  return {
    id: 'CLOCK_RATE_MISMATCH',
    severity: beyond ? 'warning' : 'info',
    title: `${clock} runs ${pct(ppm)} ± ${pct(c.uncertaintyPpm)} ${dir} against ${who(c.first)}'s (${perTwelve} s for every 12 s)`,
    detail: `${c.rows} readings side by side over ${hms(c.spanSeconds)} of ${who(c.first)}'s clock show ${who(c.second)} advancing ${c.rate!.toFixed(3)} s per second, steps left out `
      + `(${fmtPpm(ppm)}).${stepsText(c)} `
      + (beyond
        ? `A rate wrong by ${pct(ppm)} is far beyond the 500 ppm an NTP daemon can slew: the hypervisor runs the guest clock ${dir} — the virtual timer or TSC rate it gives the guest is wrong, or the guest is not given CPU time while the host is busy or asleep${hv !== null ? ` (here ${hv})` : ''}. `
          + 'Such faults come with hypervisor versions: VirtualBox 5.0.4, for example, ran guest clocks 25–35 % slow on some OS X hosts, and another VirtualBox version fixed it. Check the hypervisor\'s version and its timekeeping settings before changing anything in the guest.'
        : 'The rate is within what an NTP daemon can slew; one running in the guest should hold the clock, and the loop shows whether it does.'),
    evidence,
    fixes: beyond ? rateFixes(c, d) : [{ where: 'guest', summary: 'Run an NTP daemon in the guest (chrony) and check it is synchronised (`chronyc tracking`).' }],
    data: { ratePpm: Math.round(ppm), uncertaintyPpm: Math.round(c.uncertaintyPpm), rate: Number(c.rate!.toFixed(6)), rows: c.rows, spanSeconds: c.spanSeconds, steps: c.steps.length, stepSeconds: Number(c.steps.reduce((a, s) => a + s.seconds, 0).toFixed(3)) },
  };
}

/**
 * The UTC offset a difference is, or null: a whole hour within `slack`, a half hour within `slack / 2.5`,
 * a quarter hour (45 min zones) only within `slack / 5` — rarer offsets need closer readings to be believed.
 */
export function zoneMultiple(seconds: number, slack: number): number | null {
  for (const [step, tol] of [[3600, slack], [1800, slack / 2.5], [900, slack / 5]] as const) {
    const near = Math.round(seconds / step) * step;
    if (Math.abs(near) >= 1800 && Math.abs(near) <= MAX_ZONE_SECONDS && Math.abs(seconds - near) <= tol) return near;
  }
  return null;
}

/** `2 h`, `5 h 30 min`: a UTC offset (whole quarter hours). */
const hm = (s: number): string => { const a = Math.round(Math.abs(s) / 60); const h = Math.floor(a / 60); const m = a % 60; return m === 0 ? `${h} h` : `${h} h ${m} min`; };

/** `1 h 59 min 46 s`, `53 s`, `0.4 s`: a measured difference, every unit kept. */
export function hms(seconds: number): string {
  const a = Math.abs(seconds);
  if (a < 10) return `${a.toFixed(1)} s`;
  const t = Math.round(a);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return [h > 0 ? `${h} h` : '', h > 0 || m > 0 ? `${m} min` : '', `${sec} s`].filter((x) => x !== '').join(' ');
}

function zoneFixes(): Fix[] {
  return [
    { where: 'guest', summary: 'Step the clock once at boot before the daemon starts, then let it run: `ntpd -gq` sets the time and exits, then start `ntpd -g` (RancherOS shipped this as start_ntp.sh); with chrony, put `makestep 1 3` in chrony.conf (/etc/chrony.conf or /etc/chrony/chrony.conf).', command: 'sudo ntpd -gq' },
    { where: 'host', summary: 'Find why that machine booted with local time as UTC: a template or virtual RTC kept in local time (VirtualBox: `VBoxManage modifyvm VM_NAME --rtcuseutc on`; VMware: the VM\'s rtc.diffFromUTC; Hyper-V gives its guests the host\'s local time until the Time Synchronization service corrects it).' },
  ];
}

const SLEW_DAYS = (seconds: number): number => Math.abs(seconds) / (SLEW_LIMIT_PPM / 1e6) / 86_400;

interface Reading { label: string; sample: DateSample; at: number }

/** The first reading of each machine whose instant is known, labelled by its host (or file). */
function readingsByHost(d: DateFacts): Reading[] {
  const out: Reading[] = [];
  for (const x of d.samples) {
    if (x.row !== null || x.epochSeconds === null) continue;
    const label = x.host ?? x.path ?? d.path ?? null;
    if (label === null || out.some((r) => r.label === label)) continue;
    out.push({ label, sample: x, at: x.epochSeconds });
  }
  return out;
}

/** The finding, given who is ahead of whom by how much, how that was seen, and the lines that show it. */
function zoneFinding(behind: string, ahead: string, delta: number, near: number, seen: string, evidence: EvidenceItem[]): Finding {
  return {
    id: 'CLOCKS_DIFFER_BY_UTC_OFFSET',
    severity: 'warning',
    title: `${ahead}'s clock is ${hm(near)} ahead of ${behind}'s (${hms(delta)}) — a whole UTC offset: a wrong initial time, not drift`,
    detail: `${seen} Clocks do not drift by a whole number of hours: one of them started from local time taken as UTC (a virtual RTC or a template in local time, a time zone applied twice). `
      + `An NTP daemon that does not step will never fix it: ntpd refuses an offset beyond its 1000 s panic threshold unless started with -g, and slewing at the 500 ppm limit would take ${Math.round(SLEW_DAYS(near))} days; chrony without makestep slews too.`,
    evidence,
    fixes: zoneFixes(),
    data: { differenceSeconds: Math.round(delta), utcOffsetSeconds: near, slewDays: Math.round(SLEW_DAYS(near)) },
  };
}

/** CLOCKS_DIFFER_BY_UTC_OFFSET: two machines' readings, taken by hand together, a whole UTC offset apart. */
export function machinesApart(d: DateFacts): Finding[] {
  const rs = readingsByHost(d);
  for (let i = 0; i < rs.length; i++) {
    for (let j = i + 1; j < rs.length; j++) {
      const delta = rs[j]!.at - rs[i]!.at;
      const near = zoneMultiple(delta, MANUAL_SLACK_SECONDS);
      if (near === null) continue;
      const [behind, ahead] = delta > 0 ? [rs[i]!, rs[j]!] : [rs[j]!, rs[i]!];
      const at = (r: Reading): string => formatReading({ epoch: r.at, wall: r.at, zone: 'UTC' });
      const seen = `${behind.label} reads ${at(behind)} and ${ahead.label} ${at(ahead)}; pasted together, they were read within minutes of each other (if not, the gap means nothing).`;
      return [zoneFinding(behind.label, ahead.label, delta, near, seen, [lineEvidence('date', d, behind.sample), lineEvidence('date', d, ahead.sample)])];
    }
  }
  return [];
}

/** The same for a loop whose two clocks stay a whole UTC offset apart (read at the same moment). */
export function loopApart(c0: ClockComparison, section: DateFacts): Finding | null {
  const c = normalised(c0);
  const near = zoneMultiple(c.offsetLastSeconds, 60);
  if (near === null || zoneMultiple(c.offsetFirstSeconds, 60) !== near) return null;
  const first = c.first.host ?? 'the first clock';
  const second = c.second.host ?? 'the second clock';
  const [behind, ahead] = near > 0 ? [first, second] : [second, first];
  const seen = `Read side by side, ${second} stays ${hms(c.offsetLastSeconds)} ${near > 0 ? 'ahead of' : 'behind'} ${first}.`;
  return zoneFinding(behind, ahead, c.offsetLastSeconds, near, seen, [lineEvidence('date', section, c.firstRow), lineEvidence('date', section, c.lastRow)]);
}

/** RTC_KEPT_IN_LOCAL_TIME: hwclock --verbose shows the RTC a whole UTC offset from the system clock. */
export function rtcApart(h: HwclockFacts): Finding[] {
  if (h.rtcMinusSystemSeconds === null) return [];
  const near = zoneMultiple(h.rtcMinusSystemSeconds, 5);
  if (near === null) return [];
  const mode = h.rtcMode ?? 'UTC';
  const ev = [h.refs.systemTimeSeconds, h.refs.rtcSeconds, h.refs.rtcMode].filter((r) => r !== undefined).map((r) => lineEvidence('hwclock', h, r!));
  return [{
    id: 'RTC_KEPT_IN_LOCAL_TIME',
    severity: 'warning',
    title: `The RTC is ${hm(near)} ${near > 0 ? 'ahead of' : 'behind'} the system clock — read as ${mode} time, it holds ${mode === 'UTC' ? 'local time' : 'another zone\'s time'}`,
    detail: `hwclock read the RTC as ${mode} and found it ${hms(h.rtcMinusSystemSeconds)} from the system clock: a whole UTC offset. At the next boot the kernel sets the system clock from this RTC and starts that far off, `
      + 'which an NTP daemon that does not step will not correct (ntpd without -g refuses beyond 1000 s; slewing 1 h at 500 ppm takes 83 days). '
      + 'Dual-boot with Windows and some hypervisors (Hyper-V, VirtualBox with the RTC in local time) keep the RTC in local time.',
    evidence: ev.length > 0 ? ev : [plainEvidence('hwclock', `RTC − system ${h.rtcMinusSystemSeconds} s`, h.path)],
    fixes: [
      { where: 'guest', summary: 'If the system clock is right, write it to the RTC as UTC.', command: 'sudo hwclock --systohc --utc' },
      { where: 'host', summary: 'On a VM, keep the virtual RTC in UTC (VirtualBox: `VBoxManage modifyvm VM_NAME --rtcuseutc on`); and let the time-sync daemon step at boot (chrony `makestep 1 3`, `ntpd -g`).' },
    ],
    data: { rtcMinusSystemSeconds: h.rtcMinusSystemSeconds, utcOffsetSeconds: near },
  }];
}

/**
 * RTC_LOCAL_TIME_CONFIGURED: timedatectl says `RTC in local TZ: yes` (or `LocalRTC=yes`). systemd itself
 * warns that this mode cannot be fully supported: the RTC is never updated by the system (so it is off
 * by an hour after each DST change until something else fixes it), and every boot starts the system
 * clock from a local-time RTC that early boot reads before the zone is known. Only a warning while
 * nothing says the clock is right, because then it is a likely cause of what the user sees.
 */
export function rtcLocalConfigured(t: TimedatectlFacts): Finding[] {
  if (t.rtcInLocalTz !== true) return [];
  const ev = [t.refs.rtcInLocalTz, t.refs.rtcTime, t.refs.universalTime, t.refs.synchronised].filter((r) => r !== undefined).map((r) => lineEvidence('timedatectl', t, r!));
  const synced = t.synchronised === true;
  return [{
    id: 'RTC_LOCAL_TIME_CONFIGURED',
    severity: 'warning',
    title: 'The RTC is configured to hold local time instead of UTC (timedatectl: RTC in local TZ: yes)',
    detail: 'With the RTC in local time the system clock is set at each boot from a clock whose zone early boot cannot know, the RTC is no longer kept up to date by the system, '
      + 'and it is an hour off after every daylight-saving change until an NTP daemon or the other OS steps it; systemd warns that this mode cannot be fully supported. '
      + (synced ? 'Right now the system clock is synchronised, so the harm shows at boot and after DST changes rather than now. ' : 'Nothing here says the system clock is synchronised, so a wrong clock after boot may come from this. ')
      + 'Local-time RTCs usually come from dual-booting Windows, or a VM whose hypervisor presents the RTC in local time.',
    evidence: ev.length > 0 ? ev : [plainEvidence('timedatectl', 'RTC in local TZ: yes', t.path)],
    fixes: [
      { where: 'guest', summary: `Keep the RTC in UTC${synced ? '' : ' (once the system clock is right: without --adjust-system-clock the RTC is written from the system clock)'}.`, command: 'sudo timedatectl set-local-rtc 0' },
      { where: 'guest', summary: 'Dual-booting Windows: make Windows keep the RTC in UTC too (elevated Command Prompt), instead of moving Linux to local time.', command: 'reg add "HKLM\\SYSTEM\\CurrentControlSet\\Control\\TimeZoneInformation" /v RealTimeIsUniversal /t REG_DWORD /d 1 /f' },
      { where: 'host', summary: 'On a VM, keep the virtual RTC in UTC (VirtualBox: `VBoxManage modifyvm VM_NAME --rtcuseutc on`; libvirt: `<clock offset=\'utc\'/>`).' },
    ],
    data: { synchronised: t.synchronised },
  }];
}

export const clockCompareAnalyzer: Analyzer = {
  id: 'clock-compare',
  needs: [],
  needsAny: ['date', 'hwclock', 'timedatectl'],
  run(facts: Facts, d: Derived): Finding[] {
    const out: Finding[] = [];
    const date = facts.date;
    if (date !== null) {
      for (const c of date.comparisons) {
        const r = clockRate(c, date, d);
        if (r !== null) out.push(r);
        const z = loopApart(c, date);
        if (z !== null) out.push(z);
      }
      if (!out.some((f) => f.id === 'CLOCKS_DIFFER_BY_UTC_OFFSET')) out.push(...machinesApart(date));
    }
    if (facts.hwclock !== null) out.push(...rtcApart(facts.hwclock));
    if (facts.timedatectl !== null) out.push(...rtcLocalConfigured(facts.timedatectl));
    return out;
  },
};
