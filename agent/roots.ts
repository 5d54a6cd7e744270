/**
 * The only place that names /proc, /sys and / . Every path the agent reads is built from Roots, so a
 * test (or `--from DIR`) can point the whole agent at a captured tree.
 *
 * Each root is also a fence: a file read under a root must really be inside it, after every symbolic
 * link is followed (agent/sources/io.ts `openInside`). Live sysfs is full of links that stay inside
 * (`/sys/class/rtc/rtc0` → `../../devices/…`), which is fine; a capture whose
 * `sys/class/dmi/id/sys_vendor` links to `/etc/shadow` is not read.
 */
import path from 'node:path';

/** Where the live system's pseudo file systems are mounted (node_exporter's --path.* flags). */
export interface Roots {
  procfs: string;
  sysfs: string;
  rootfs: string;
  /**
   * Where captured command output lives (`DIR/commands/dmesg` in a capture); null on a live system,
   * where commands are run instead.
   */
  commands: string | null;
  /**
   * A capture's directory, when reading one: then every read is confined to it as a whole (a link
   * from `sys/…` to `proc/…` of the same capture is fine; `proc` itself linking to the live /proc is
   * not). Absent or null for a live system, where each root is its own fence.
   */
  capture?: string | null;
}

/** Which root a relative path hangs off. `commands` is the capture's command-output folder. */
export type Area = 'procfs' | 'sysfs' | 'rootfs' | 'commands';

export const DEFAULT_ROOTS: Roots = { procfs: '/proc', sysfs: '/sys', rootfs: '/', commands: null };

/** Roots of a capture directory written by `clockdoctor collect` (files at their original paths). */
export function rootsFromCapture(dir: string): Roots {
  return {
    procfs: path.join(dir, 'proc'),
    sysfs: path.join(dir, 'sys'),
    rootfs: dir,
    commands: path.join(dir, 'commands'),
    capture: dir,
  };
}

/** The directory an area's paths hang off; null for `commands` on a live system (nothing captured). */
export function areaRoot(roots: Roots, area: Area): string | null {
  switch (area) {
    case 'procfs':
      return roots.procfs;
    case 'sysfs':
      return roots.sysfs;
    case 'rootfs':
      return roots.rootfs;
    case 'commands':
      return roots.commands;
  }
}

/**
 * Where a path of an area is fenced: the capture directory with the path relative to it, or (live)
 * the area's own root. Null when the area has no root.
 */
export function fenceOf(roots: Roots, area: Area, rel: string): { root: string; rel: string } | null {
  const base = areaRoot(roots, area);
  if (base === null) return null;
  if (roots.capture === undefined || roots.capture === null) return { root: base, rel };
  return { root: roots.capture, rel: path.relative(roots.capture, path.join(base, rel)) || '.' };
}

export const procPath = (roots: Roots, ...parts: string[]): string => path.join(roots.procfs, ...parts);
export const sysPath = (roots: Roots, ...parts: string[]): string => path.join(roots.sysfs, ...parts);
export const rootPath = (roots: Roots, ...parts: string[]): string => path.join(roots.rootfs, ...parts);

/**
 * The kernel's own name for one of this process's open descriptors: `/proc/self/fd/N`. Always the
 * real /proc (not --path.procfs): it is about this process, not the system being read. Paths below
 * it resolve from the very file or directory that was opened, whatever its path names later — the
 * way to get openat(2) semantics from an API that takes paths.
 */
export const fdPath = (fd: number): string => `/proc/self/fd/${fd}`;
