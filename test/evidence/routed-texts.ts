/**
 * The texts the router's speed-ups are proven on (test/evidence/wants-sound.test.ts for each kind's
 * `wants`, router-claims.test.ts for the claims): every text fixture of the project, one small
 * representative per fixture folder for mixtures, the command a user would have typed before each,
 * every real line in a pool, and the ways pastes and logs dress a line. Not a test itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sniff } from '../../agent/evidence/text/detect.js';
import { parseText } from '../../agent/evidence/text/lines.js';
import { createRouter, type RoutedKind, type RouterResult } from '../../agent/evidence/text/router.js';
import { ROOT } from '../helpers/cli.js';

/** Every UTF-8 text file under the dirs (SOURCE.md notes and goldens left out), relative to ROOT. */
export function textFiles(...dirs: string[]): string[] {
  const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(d, e.name);
    if (e.isDirectory()) return walk(p);
    if (e.name === 'SOURCE.md' || /\.golden\b/.test(e.name) || /\.(?:ts|json)$/.test(e.name)) return [];
    const head = fs.readFileSync(p).subarray(0, 64 * 1024);
    const s = sniff(head);
    return s.type === 'text' && s.encoding === 'utf8' ? [path.relative(ROOT, p)] : [];
  });
  return dirs.flatMap((d) => walk(path.join(ROOT, d))).sort();
}

export const FILES = textFiles('test/fixtures', 'test/cases', 'examples');
export const read = (rel: string): string => fs.readFileSync(path.join(ROOT, rel), 'utf8');

/** The command a user would have typed to print a fixture of this folder. */
export const COMMANDS: Record<string, string> = {
  cpuinfo: 'cat /proc/cpuinfo', timer_list: 'cat /proc/timer_list', dmesg: 'dmesg', vbox: 'cat VBox.log', vmware: 'cat vmware.log',
  chrony: 'chronyc sources -v', ntp: 'ntpq -pn', timedatectl: 'timedatectl', timesyncd: 'journalctl -u systemd-timesyncd',
  vboxservice: 'cat /var/log/vboxadd-service.log', cmdline: 'cat /proc/cmdline', date: 'date', hwclock: 'hwclock -r', lscpu: 'lscpu',
  packages: 'rpm -qa', ptp: 'ls /sys/class/ptp', uname: 'uname -a', versions: 'cat /proc/version', virt: 'systemd-detect-virt',
  'clocksource-current': 'cat /sys/devices/system/clocksource/clocksource0/current_clocksource',
};

/** The fixture folder a file belongs to (its kind, roughly). */
export const folderOf = (rel: string): string => rel.split('/')[2] ?? rel;

/** One small file of each folder (the smallest, so the mixtures stay quick), for mixtures. */
export function representatives(): string[] {
  const best = new Map<string, { rel: string; size: number }>();
  for (const rel of FILES) {
    if (!rel.startsWith('test/fixtures/') || rel.startsWith('test/fixtures/fuzz/') || rel.startsWith('test/fixtures/exporter-toolkit/')) continue;
    const size = fs.statSync(path.join(ROOT, rel)).size;
    const f = folderOf(rel);
    const cur = best.get(f);
    if (cur === undefined || size < cur.size) best.set(f, { rel, size });
  }
  return [...best.values()].map((v) => v.rel).sort();
}

export const withNewline = (s: string): string => (s.endsWith('\n') ? s : `${s}\n`);
export const prompted = (rel: string, text: string): string => `$ ${COMMANDS[folderOf(rel)] ?? `cat ${path.basename(rel)}`}\n${withNewline(text)}`;

/** Every line of the fixtures (a wide sample of real lines of every kind) and a prompt of every command. */
export const POOL: string[] = [...new Set(FILES.filter((rel) => !rel.startsWith('test/fixtures/fuzz/')).flatMap((rel) => read(rel).split('\n')))];
export const PROMPTS = Object.values(COMMANDS).map((c) => `$ ${c}`);
/** What pastes and logs do to a line: trailing `\r` (CRLF converted twice) or blanks, a forum tag, indentation, quoting, odd spaces. */
export const DRESS: ((l: string) => string)[] = [
  (l) => l, (l) => l, (l) => l, (l) => `${l}\r`, (l) => `${l} `, (l) => `${l}[/CODE]`, (l) => ` ${l}`, (l) => `\t${l}`, (l) => `> ${l}`,
  (l) => `\u00a0${l}`, (l) => `\f${l}`, (l) => `${l}\u00a0`, (l) => `[code]${l}`, (l) => `[COLOR="#333333"][FONT=Courier New][SIZE=2][B]${l}`,
  // Dumped into the kernel log (SysRq-Q prints /proc/timer_list there), or with a markdown escape.
  (l) => `[ 1234.567890] ${l}`, (l) => `<6>${l}`, (l) => `[    5.000000] [T1] ${l}`, (l) => `[ 1.5] \\[T1\\] ${l}`,
];

/** The kinds whose section (or error) differs between the two readings: names a failure precisely. */
export function differing(a: unknown, b: unknown): string[] {
  type R = { sections: { name: string }[]; errors: { name: string }[]; commands: string[] };
  const x = a as R;
  const y = b as R;
  const names = new Set([...x.sections, ...y.sections, ...x.errors, ...y.errors].map((s) => s.name));
  const of = (r: R, n: string): string => JSON.stringify([r.sections.find((s) => s.name === n), r.errors.find((s) => s.name === n)]);
  const out = [...names].filter((n) => of(x, n) !== of(y, n));
  if (JSON.stringify(x.commands) !== JSON.stringify(y.commands)) out.push('(commands)');
  return out;
}


/**
 * What the router over `kinds` makes of `text`, as plain JSON: the sections (as `sections` picks
 * them for comparing), the kinds whose facts failed (by message) and the commands seen.
 */
export function routedJson(kinds: readonly RoutedKind[], text: string, sections: (r: RouterResult) => unknown[] = (r) => r.sections): unknown {
  const r = parseText(createRouter(kinds), text);
  return JSON.parse(JSON.stringify({
    sections: sections(r),
    errors: r.errors.map((e) => ({ name: e.name, message: e.error instanceof Error ? e.error.message : String(e.error) })),
    commands: r.commands,
  }));
}
