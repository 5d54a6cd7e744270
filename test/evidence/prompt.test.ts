/**
 * Prompt lines as users paste them (the cases in test/cases/ and common shells): which are prompts,
 * which command and host they name, and which look alike but are not prompts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFiltered, mayBePrompt, parsePrompt } from '../../agent/evidence/text/prompt.js';
import { fixtureLines } from '../helpers/fixture-lines.js';

const bytesMayBePrompt = (line: string): boolean => { const b = Buffer.from(line, 'utf8'); return mayBePrompt(b, 0, b.length); };

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

describe('mayBePrompt, the byte screen before parsePrompt', () => {
  const lines = fixtureLines('test/fixtures', 'test/cases');

  it(`says yes to every line parsePrompt takes (${lines.length} real lines)`, () => {
    const prompts = lines.filter((l) => parsePrompt(l) !== null);
    expect(prompts.length).toBeGreaterThan(50);
    expect(prompts.filter((l) => !bytesMayBePrompt(l))).toEqual([]);
  });

  it('says no to most kernel lines with a # or a % in them (what it is for)', () => {
    const sigils = lines.filter((l) => /^\[\s*\d+\.\d+\]/.test(l) && /[#$%]/.test(l));
    expect(sigils.length).toBeGreaterThan(100);
    expect(sigils.filter(bytesMayBePrompt).length / sigils.length).toBeLessThan(0.2);
  });

  it('says yes to every generated prompt parsePrompt takes', () => {
    const ch = (alphabet: string, max: number): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom(...alphabet.split('')), maxLength: max });
    const blank = fc.constantFrom('', ' ', '  ', '\t', '\u00a0', ' \u3000');
    const who = fc.oneof(
      fc.tuple(ch('ab1@.-_:~/ ', 20)).map(([w]) => w),
      fc.tuple(ch('ab1@.-_', 12), ch('ab~/ ', 12)).map(([u, d]) => `[${u} ${d}]`),
      fc.tuple(ch('ab1@.-', 8), ch('ab~/', 8)).map(([u, d]) => `${u}:${d}`),
    );
    const clock = fc.constantFrom('', '(22:49)', '(22:49:31) ', '(1:2)');
    const sigil = fc.constantFrom('$', '#', '%', '\u276f', '\u279c', '\u03bb', '>');
    const command = fc.constantFrom('dmesg | grep -i tsc', 'lscpu', 'chronyc tracking', 'date', '  uname -a', 'x', '');
    const ps = fc.tuple(fc.constantFrom('', 'PS '), ch('ab\\ #$', 12), command).map(([p, d, c]) => `${p}C:\\${d}> ${c}`);
    const unix = fc.tuple(blank, clock, blank, who, blank, sigil, blank, command).map((parts) => parts.join(''));
    fc.assert(fc.property(fc.oneof(unix, ps), (line) => parsePrompt(line) === null || bytesMayBePrompt(line)), { numRuns: 20_000 });
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
