/**
 * Shared pieces of the per-kind tests: read a text the way `analyze` does (router, prompts, paste
 * decoration) and take one kind's section; list fixture files; and the check every kind must pass —
 * it never claims a line of a file that holds none of its evidence.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readBuffer, readString } from '../../agent/gather/text.js';

export const FIX = path.resolve(import.meta.dirname, '..', 'fixtures');
export const CASES = path.resolve(import.meta.dirname, '..', 'cases');

/** The section `kind` makes of `text` read as one input, and the kinds the input was read as. */
export function sectionOf<F>(kind: string, text: string, name = 'paste.txt'): { facts: F | null; kinds: string[] } {
  const r = readString(name, text);
  const part = r.parts.find((p) => p.kind === kind);
  return { facts: (part?.facts as F | undefined) ?? null, kinds: r.status.kinds ?? [] };
}

/** The same for a fixture file (relative to test/fixtures, or absolute). */
export function fixtureSection<F>(kind: string, rel: string): { facts: F | null; kinds: string[] } {
  const p = path.isAbsolute(rel) ? rel : path.join(FIX, rel);
  const r = readBuffer(rel, fs.readFileSync(p));
  const part = r.parts.find((x) => x.kind === kind);
  return { facts: (part?.facts as F | undefined) ?? null, kinds: r.status.kinds ?? [] };
}

/** Every evidence file under the given fixture folders (SOURCE.md and goldens left out). */
export function fixtureFiles(...dirs: string[]): string[] {
  const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(d, e.name);
    return e.isDirectory() ? walk(p) : e.name === 'SOURCE.md' || e.name.endsWith('.json') ? [] : [p];
  });
  return dirs.flatMap((d) => (fs.existsSync(path.join(FIX, d)) ? walk(path.join(FIX, d)) : [])).sort();
}

/** The kinds a file is read as. */
export function kindsOfFile(file: string): string[] {
  return readBuffer(path.relative(FIX, file), fs.readFileSync(file)).status.kinds ?? [];
}

/** The fixture folders of other kinds every time-sync kind is checked against. */
export const FOREIGN_DIRS = ['dmesg', 'vbox', 'cpuinfo', 'timer_list', 'live', 'capture', 'captures', 'chrony', 'ntp', 'timedatectl', 'timesyncd', 'vboxservice'];
