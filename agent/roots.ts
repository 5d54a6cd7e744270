/**
 * The only place that names /proc, /sys and / . Every path the agent reads is built from Roots, so a
 * test (or `--from DIR`) can point the whole agent at a captured tree.
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
}

export const DEFAULT_ROOTS: Roots = { procfs: '/proc', sysfs: '/sys', rootfs: '/', commands: null };

/** Roots of a capture directory written by `clockdoctor collect` (files at their original paths). */
export function rootsFromCapture(dir: string): Roots {
  return {
    procfs: path.join(dir, 'proc'),
    sysfs: path.join(dir, 'sys'),
    rootfs: dir,
    commands: path.join(dir, 'commands'),
  };
}

export const procPath = (roots: Roots, ...parts: string[]): string => path.join(roots.procfs, ...parts);
export const sysPath = (roots: Roots, ...parts: string[]): string => path.join(roots.sysfs, ...parts);
export const rootPath = (roots: Roots, ...parts: string[]): string => path.join(roots.rootfs, ...parts);
