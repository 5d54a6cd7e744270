/**
 * Which clocks a command line reads, in the order their readings are printed: `date -u` on the machine
 * at the prompt, `docker-machine ssh default date` inside the VM `default`, `ssh db1 date` on db1. A
 * loop comparing two clocks (`printf "%s  %s\n" "`date -u`" "`docker-machine ssh default date`"`) names
 * its columns this way. Pure.
 */
import type { ClockPlace } from './facts.js';

/** One clock a command reads. */
export interface ColumnSpec {
  /** The sub-command that prints the reading. */
  command: string;
  /** The VM or host it reads, when the command names one (null: the machine at the prompt). */
  host: string | null;
  place: ClockPlace;
}

/** Commands that print a clock reading: coreutils/busybox `date`, PowerShell `Get-Date`. */
const DATE_WORD = /(?:^|[\s;&|(`'"])(?:\/\S*\/)?date(?=$|[\s;&|)`'"])|\bGet-Date\b/i;

/** True when the command prints clock readings with `date` (or `Get-Date`). */
export function readsDate(command: string | null): boolean {
  return command !== null && DATE_WORD.test(command);
}

/** Where a sub-command's `date` runs, from the tool that carries it there. */
const PLACES: readonly [RegExp, (m: RegExpExecArray) => { host: string | null; place: ClockPlace }][] = [
  [/\bdocker-machine\s+ssh\s+([\w.-]+)/, (m) => ({ host: m[1]!, place: 'vm' })],
  [/\bvagrant\s+ssh(?:\s+(?!-)([\w.-]+))?/, (m) => ({ host: m[1] ?? 'vagrant', place: 'vm' })],
  [/\bmultipass\s+(?:exec|shell)\s+([\w.-]+)/, (m) => ({ host: m[1]!, place: 'vm' })],
  [/\blimactl\s+shell\s+([\w.-]+)/, (m) => ({ host: m[1]!, place: 'vm' })],
  [/(?:^|\s)lima\s/, () => ({ host: 'lima', place: 'vm' })],
  [/\bcolima\s+ssh\b/, () => ({ host: 'colima', place: 'vm' })],
  [/\brdctl\s+shell\b/, () => ({ host: 'rancher-desktop', place: 'vm' })],
  [/\bwsl(?:\.exe)?\b/i, () => ({ host: 'WSL', place: 'vm' })],
  [/\bVBoxManage\s+guestcontrol\s+("[^"]+"|'[^']+'|\S+)/, (m) => ({ host: m[1]!.replace(/^["']|["']$/g, ''), place: 'vm' })],
  [/\badb\s+(?:-s\s+\S+\s+)?shell\b/, () => ({ host: 'adb device', place: 'vm' })],
  [/\b(?:docker|podman)\s+(?:exec|run)\b(?:\s+-\S+(?:\s+[^-\s]\S*)??)*?\s+([\w./:][\w./:-]*)/, (m) => ({ host: m[1]!, place: 'container' })],
  [/\bkubectl\s+exec\s+(?:-\S+\s+)*([\w.-]+)/, (m) => ({ host: m[1]!, place: 'container' })],
  [/\bssh\s+(?:-\S+(?:\s+\d+)?\s+)*(?:[\w.-]+@)?([\w.-]+)/, (m) => ({ host: m[1]!, place: 'remote' })],
];

function placeOf(command: string): { host: string | null; place: ClockPlace } {
  for (const [re, make] of PLACES) {
    const m = re.exec(command);
    if (m !== null) return make(m);
  }
  return { host: null, place: 'local' };
}

/** Command substitutions (`…` and $(…)) of a command line, in order; nested ones are not split further. */
function substitutions(command: string): string[] {
  const out: string[] = [];
  const re = /`([^`]*)`|\$\(([^()]*(?:\([^()]*\)[^()]*)*)\)/g;
  for (let m = re.exec(command); m !== null; m = re.exec(command)) out.push((m[1] ?? m[2] ?? '').trim());
  return out;
}

/** The simple commands of a list (`a; b && c`, the body of `while …; do …; done`), in order. */
function simpleCommands(command: string): string[] {
  return command
    .split(/;|&&|\|\||\n/)
    .map((s) => s.trim().replace(/^(?:do|then|else)\s+/, '').trim())
    .filter((s) => s !== '' && !/^(?:done|fi|while\b|for\b|until\b|sleep\b)/.test(s));
}

/**
 * The clocks a command reads, in print order. Command substitutions that run `date` come first (a
 * `printf` of two readings on one line); otherwise each simple command that runs `date` is one.
 */
export function dateColumns(command: string | null): ColumnSpec[] {
  if (command === null) return [];
  const subs = substitutions(command).filter((s) => DATE_WORD.test(s));
  const parts = subs.length > 0 ? subs : simpleCommands(command).filter((s) => DATE_WORD.test(s));
  return parts.map((c) => ({ command: c, ...placeOf(c) }));
}
