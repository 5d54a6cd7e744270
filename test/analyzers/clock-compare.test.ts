/** Clocks compared side by side: the wrong rate a loop shows, whole-UTC-offset gaps, an RTC in local time. */
import { describe, expect, it } from 'vitest';
import { analyzePastes, byId, ids, words } from './paste.js';
import { hms, zoneMultiple } from '../../analyzers/clock-compare.js';

const HARMFUL = /tsc=reliable|tsc=nowatchdog|notsc|clocksource=tsc/;

describe('CLOCK_RATE_MISMATCH', () => {
  const r = analyzePastes({ 'date/docker-machine-vbox-5.0.4-loop.txt': null });
  const f = byId(r, 'CLOCK_RATE_MISMATCH');
  it('the VirtualBox 5.0.4 loop: the guest runs ~29 % slow — a warning naming the rate and the hypervisor', () => {
    expect(f).toMatchObject({ severity: 'warning' });
    expect(f!.title).toMatch(/^The guest clock \(default\) runs 29 % ± 6\.8 % slow against crystal's \(8\.5 s for every 12 s\)$/);
    expect(f!.data).toMatchObject({ rows: 11, steps: 1 });
    expect(f!.data!.ratePpm as number).toBeLessThan(-250_000);
    expect(words(f)).toMatch(/the hypervisor runs the guest clock slow/);
    expect(words(f)).toMatch(/VirtualBox 5\.0\.4, for example/);
    expect(words(f)).toMatch(/steps hide the rate/);
  });
  it('fixes on the host first, the VM named from the loop (shell-quoted), never TSC flags', () => {
    expect(f!.fixes.map((x) => x.where)).toEqual(['host', 'host', 'guest']);
    expect(f!.fixes[1]!.command).toBe('VBoxManage showvminfo default --log 0 > VBox.log && clockdoctor analyze VBox.log');
    expect(words(f)).not.toMatch(HARMFUL);
  });
  it('quotes the loop, its first and last rows and the step', () => {
    expect(f!.evidence.map((e) => e.line)).toEqual([1, 2, 12]);
  });
  it('a loop whose clocks agree is no finding; a small significant rate is info', () => {
    const rows = (rate: number): string => Array.from({ length: 600 }, (_, i) => `${1_700_000_000 + i}.000000000 ${(1_700_000_000 + i * rate).toFixed(9)}`).join('\n');
    expect(ids(analyzePastes({ 'loop.txt': `$ while true; do echo $(date +%s.%N) $(ssh vm date +%s.%N); sleep 1; done\n${rows(1)}\n` }))).not.toContain('CLOCK_RATE_MISMATCH');
    const small = byId(analyzePastes({ 'loop.txt': `$ while true; do echo $(date +%s.%N) $(ssh vm date +%s.%N); sleep 1; done\n${rows(1.0003)}\n` }), 'CLOCK_RATE_MISMATCH');
    expect(small).toMatchObject({ severity: 'info' });
    expect(small!.data!.ratePpm).toBe(300);
  });
  it('a VM clock read in the first column is still reported as the VM against the host', () => {
    const lines = Array.from({ length: 12 }, (_, i) => `Mon Jan  1 00:00:${String(Math.floor(i * 2 * 0.5)).padStart(2, '0')} UTC 2024 Mon Jan  1 00:00:${String(i * 2).padStart(2, '0')} UTC 2024`);
    const g = byId(analyzePastes({ 'l.txt': `$ while true; do echo "$(vagrant ssh -c date) $(date -u)"; sleep 2; done\n${lines.join('\n')}\n` }), 'CLOCK_RATE_MISMATCH');
    expect(g!.title).toMatch(/^The guest clock \(vagrant\) runs 50 % .* slow against/);
  });
});

describe('CLOCKS_DIFFER_BY_UTC_OFFSET', () => {
  it('two RancherOS VMs\' `date`, in two files, 2 h apart: a wrong initial time, and what NTP does about it', () => {
    const r = analyzePastes({ 'date/rancheros-host1.txt': null, 'date/rancheros-host2.txt': null });
    const f = byId(r, 'CLOCKS_DIFFER_BY_UTC_OFFSET');
    expect(f).toMatchObject({ severity: 'warning', data: { differenceSeconds: 7186, utcOffsetSeconds: 7200 } });
    expect(f!.title).toBe("csy0ivkz's clock is 2 h ahead of csc91arm's (1 h 59 min 46 s) — a whole UTC offset: a wrong initial time, not drift");
    expect(words(f)).toMatch(/ntpd -gq/);
    expect(words(f)).toMatch(/makestep/);
    expect(words(f)).toMatch(/1000 s panic threshold/);
    expect(f!.evidence.map((e) => e.path)).toEqual(['date/rancheros-host1.txt', 'date/rancheros-host2.txt']);
    expect(r.subjects).toHaveLength(1);
  });
  it('not for readings of one machine, nor for gaps that are no UTC offset', () => {
    expect(ids(analyzePastes({ 'a.txt': '[u@h1 ~]$ date\nTue Jul  4 05:23:41 UTC 2017\n[u@h1 ~]$ date\nTue Jul  4 07:23:41 UTC 2017\n' }))).not.toContain('CLOCKS_DIFFER_BY_UTC_OFFSET');
    expect(ids(analyzePastes({ 'a.txt': '[u@h1 ~]$ date\nTue Jul  4 05:23:41 UTC 2017\n[u@h2 ~]$ date\nTue Jul  4 06:03:41 UTC 2017\n' }))).not.toContain('CLOCKS_DIFFER_BY_UTC_OFFSET');
    expect(zoneMultiple(5.5 * 3600 + 20, 150)).toBe(19_800);
    expect(zoneMultiple(5.75 * 3600 + 20, 150)).toBe(20_700);
    expect(zoneMultiple(5.75 * 3600 + 200, 150)).toBeNull();
    expect(zoneMultiple(2400, 150)).toBeNull();
    expect(zoneMultiple(600, 150)).toBeNull();
    expect(zoneMultiple(15 * 3600, 150)).toBeNull();
    expect(hms(7186)).toBe('1 h 59 min 46 s');
  });
});

describe('RTC_KEPT_IN_LOCAL_TIME', () => {
  const verbose = (hw: number): string => [
    '$ sudo hwclock --verbose', 'hwclock from util-linux 2.34', 'System Time: 1612345678.123456', 'Hardware clock is on UTC time',
    `Hw clock time : 2021/02/03 10:47:59 = ${hw} seconds since 1969`,
  ].join('\n');
  it('an RTC one whole hour from the system clock, read as UTC', () => {
    const f = byId(analyzePastes({ 'hw.txt': verbose(1612349279) }), 'RTC_KEPT_IN_LOCAL_TIME');
    expect(f).toMatchObject({ severity: 'warning', data: { utcOffsetSeconds: 3600 } });
    expect(f!.fixes[0]).toMatchObject({ where: 'guest', command: 'sudo hwclock --systohc --utc' });
  });
  it('not when the RTC agrees', () => {
    expect(ids(analyzePastes({ 'hw.txt': verbose(1612345679) }))).not.toContain('RTC_KEPT_IN_LOCAL_TIME');
  });
});

describe('RTC_LOCAL_TIME_CONFIGURED', () => {
  const r = analyzePastes({ 'timedatectl/status-legacy-rtc-local-tz-korean.txt': null });
  const f = byId(r, 'RTC_LOCAL_TIME_CONFIGURED');
  it('a real pre-239 timedatectl (Korean locale) with RTC in local TZ: yes is a warning quoting that line', () => {
    expect(f).toMatchObject({ severity: 'warning' });
    expect(f!.evidence.map((e) => e.excerpt)).toContain('RTC in local TZ: yes');
    expect(words(f)).toMatch(/system clock is synchronised/);
  });
  it('the fix keeps the RTC in UTC (never moves Linux to local time), and no TSC flags', () => {
    expect(f!.fixes[0]).toMatchObject({ where: 'guest', command: 'sudo timedatectl set-local-rtc 0' });
    expect(words(f)).not.toMatch(/set-local-rtc 1|hwclock --localtime/);
    expect(words(f)).not.toMatch(HARMFUL);
  });
  it('not synchronised: says a wrong clock after boot may come from it', () => {
    const g = byId(analyzePastes({ 't.txt': '$ timedatectl\n      Local time: Fri 2019-01-04 11:11:12 KST\n  Universal time: Fri 2019-01-04 02:11:12 UTC\n        RTC time: Fri 2019-01-04 11:11:12\n     NTP enabled: no\nNTP synchronized: no\n RTC in local TZ: yes\n' }), 'RTC_LOCAL_TIME_CONFIGURED');
    expect(words(g)).toMatch(/Nothing here says the system clock is synchronised/);
  });
  it('RTC in local TZ: no is no finding', () => {
    expect(ids(analyzePastes({ 't.txt': '$ timedatectl\n      Local time: Fri 2019-01-04 11:11:12 KST\n  Universal time: Fri 2019-01-04 02:11:12 UTC\n        RTC time: Fri 2019-01-04 02:11:12\nNTP synchronized: yes\n RTC in local TZ: no\n' }))).not.toContain('RTC_LOCAL_TIME_CONFIGURED');
  });
});
