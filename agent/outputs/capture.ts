/**
 * Writes a capture: every file the collectors read, at its original path under DIR (`proc/...`,
 * `sys/...`, `etc/adjtime`), command output under `commands/` (the kernel log as `commands/dmesg`),
 * plus `SOURCE.md` for people and `manifest.json` for tools. `check --from DIR` reads it back.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Snapshot } from '../snapshot.js';
import type { Area, RecordedFile } from '../sources/io.js';
import { UsageError } from '../errors.js';

/** Where each area lives inside a capture (the inverse of roots.ts `rootsFromCapture`). */
const AREA_DIR: Record<Area, string> = { procfs: 'proc', sysfs: 'sys', rootfs: '', commands: 'commands' };

export interface CaptureMeta {
  toolVersion: string;
  /** Text of procfs `version`, when read. */
  kernelVersion: string | null;
  hostname: string | null;
  /** The command line that made it (for the SOURCE note). */
  command: string;
}

/** Refuse a non-empty DIR unless forced; create it (mode 0700) when it does not exist. */
export function prepareCaptureDir(dir: string, force: boolean): void {
  let entries: string[] | null = null;
  try {
    entries = fs.readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new UsageError(`${dir}: exists and is not a directory`);
    if (code !== 'ENOENT') throw new UsageError(`${dir}: cannot use it: ${code ?? String(err)}`);
  }
  if (entries !== null && entries.length > 0 && !force) {
    throw new UsageError(`${dir}: directory is not empty; choose a new one or pass --force to write into it`);
  }
  // A capture holds what only root may read (the kernel log under dmesg_restrict, timer_list): a new
  // DIR is private to whoever ran collect; they decide whom to send it to.
  if (entries === null) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** Path of a recorded file inside the capture; refuses anything that would land outside DIR. */
export function capturePath(dir: string, f: Pick<RecordedFile, 'area' | 'rel'>): string {
  const root = path.resolve(dir);
  const p = path.resolve(root, AREA_DIR[f.area], f.rel);
  if (p !== root && !p.startsWith(root + path.sep)) throw new Error(`refusing to write outside the capture: ${f.area}/${f.rel}`);
  return p;
}

function sourceNote(snapshot: Readonly<Snapshot>, meta: CaptureMeta, files: RecordedFile[]): string {
  const rows = Object.entries(snapshot.sources).map(([name, s]) => {
    const why = (s.error ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
    return `| ${name} | ${s.state} | ${why} |`;
  });
  const kernel = meta.kernelVersion?.trim() ?? 'unknown';
  return [
    `Captured by clockdoctor ${meta.toolVersion} (\`${meta.command}\`) on ${snapshot.takenAt}${meta.hostname ? ` on host ${meta.hostname}` : ''}.`,
    '',
    `Kernel: ${kernel}`,
    '',
    'Files are at their original paths under this folder (`proc/...`, `sys/...`, `etc/...`); command output is',
    'under `commands/` (`commands/dmesg` is the kernel log in dmesg\'s format, read from /dev/kmsg, dmesg or',
    'journalctl -k; `commands/chronyc-tracking` is `chronyc -c tracking`). Only the files the collectors read',
    `are here (${files.filter((f) => f.content !== null).length} files); for processes, only time-sync daemons.`,
    ...(files.some((f) => f.area === 'sysfs' && f.rel.startsWith('firmware/acpi/tables/'))
      ? ['ACPI tables under `sys/firmware/acpi/tables/` hold only their 36-byte header (the OEM ID is all that is read).']
      : []),
    'Read it back with `clockdoctor check --from <this folder>`.',
    '',
    'Review before sending: the kernel log and command line can name hosts, devices and boot arguments.',
    '',
    '| collector | state | reason |',
    '|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

/** Write the capture. DIR must have been prepared (prepareCaptureDir). Returns the number of files written. */
export function writeCapture(dir: string, files: RecordedFile[], snapshot: Readonly<Snapshot>, meta: CaptureMeta): number {
  let n = 0;
  for (const f of files) {
    const p = capturePath(dir, f);
    if (f.content === null) {
      fs.mkdirSync(p, { recursive: true });
      continue;
    }
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, f.content);
    n++;
  }
  fs.writeFileSync(path.join(dir, 'SOURCE.md'), sourceNote(snapshot, meta, files));
  const manifest = {
    tool: { name: 'clockdoctor', version: meta.toolVersion },
    takenAt: snapshot.takenAt,
    kernelVersion: meta.kernelVersion?.trim() ?? null,
    files: files.map((f) => path.relative(dir, capturePath(dir, f)) + (f.content === null ? '/' : '')).sort(),
    sources: snapshot.sources,
  };
  fs.writeFileSync(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return n;
}
