/**
 * Prompt lines as users paste them (the cases in test/cases/ and common shells): which are prompts,
 * which command and host they name, and which look alike but are not prompts.
 */
import { describe, expect, it } from 'vitest';
import { isFiltered, parsePrompt } from '../../agent/evidence/text/prompt.js';

describe('parsePrompt', () => {
  it.each([
    ['$  dmesg | grep -i tsc', 'dmesg | grep -i tsc', null],
    ['azureuser@yaron-test:~$ ls /sys/class/ptp', 'ls /sys/class/ptp', 'yaron-test'],
    ['[fg@rac1 hv]$ dmesg | grep -i ptp', 'dmesg | grep -i ptp', 'rac1'],
    ['fg@rac1 hv]$ rpm -qa | grep microso', 'rpm -qa | grep microso', 'rac1'],
    ['(22:49:31)[crystal: ~]$ while /usr/bin/true; do date; done', 'while /usr/bin/true; do date; done', 'crystal'],
    ['[rancher@csc91arm ~]$ date', 'date', 'csc91arm'],
    ['guest:# lscpu', 'lscpu', 'guest'],
    ['\u276f uname -a', 'uname -a', null],
    ['$ cat /sys/devices/system/clocksource/clocksource0/current_clocksource', 'cat /sys/devices/system/clocksource/clocksource0/current_clocksource', null],
    ['root@db1:~# chronyc tracking', 'chronyc tracking', 'db1'],
    ['# dmesg | grep clocksource', 'dmesg | grep clocksource', null],
    ['PS C:\\Users\\me> bcdedit /enum', 'bcdedit /enum', null],
    ['[user@sys-firewall ~]$ dmesg | grep clock', 'dmesg | grep clock', 'sys-firewall'],
    ['~$ uname -m', 'uname -m', null],
    ['/ # date -u', 'date -u', null],
    ['~/src$ lscpu', 'lscpu', null],
  ])('%s', (line, command, host) => {
    expect(parsePrompt(line)).toEqual({ command, host });
  });

  it.each([
    '# Use public servers from the pool.ntp.org project.',
    '[    0.000000] tsc: Detected 2295.780 MHz processor',
    'MS Name/IP address         Stratum Poll Reach LastRx Last sample',
    '#* PHC0                          0   3   377    12  -2082ns[  +15us] +/- 3465ns',
    'Fri Sep 18 04:49:41 UTC 2015  Fri Sep 18 04:48:52 UTC 2015',
    '00:00:10.232569 TM: cTSCTicksPerSecond=3 478 274 491 (0xcf5241bb) enmTSCMode=3 (Dynamic)',
    'It costs 5 $ per month',
    '/etc/chrony.conf # Use public servers from the pool.ntp.org project.',
    '~/notes$ remember to buy milk',
  ])('not a prompt: %s', (line) => {
    expect(parsePrompt(line)).toBeNull();
  });
});

describe('isFiltered', () => {
  it('knows a grep of the kernel log from the whole log', () => {
    expect(isFiltered('dmesg | grep -i tsc')).toBe(true);
    expect(isFiltered('grep clocksource /var/log/kern.log')).toBe(true);
    expect(isFiltered('dmesg')).toBe(false);
    expect(isFiltered(null)).toBe(false);
  });
});
