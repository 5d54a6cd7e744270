/**
 * sysfs clockevents → ClockeventsFacts. Pure.
 */
import type { ClockeventsFacts } from './facts.js';

/** The `current_device` of each `clockevent<N>` (null when unreadable) and of `broadcast`. */
export interface ClockeventDeviceText {
  /** Directory name, e.g. `clockevent0`. */
  name: string;
  current: string | null;
}

function clean(text: string | null): string | null {
  if (text === null) return null;
  const t = text.trim();
  // An empty broadcast/current_device means "no device" (the live capture has a 0-byte broadcast file).
  return t === '' ? null : t.split(/\s+/)[0] ?? null;
}

/** Build ClockeventsFacts; devices are ordered by their index (`clockevent2` before `clockevent10`). */
export function parseClockevents(devices: ClockeventDeviceText[], broadcast: string | null, path: string | null = null): ClockeventsFacts {
  const idx = (n: string): number => {
    const m = /(\d+)$/.exec(n);
    return m?.[1] === undefined ? Number.MAX_SAFE_INTEGER : Number(m[1]);
  };
  const sorted = [...devices].sort((a, b) => idx(a.name) - idx(b.name) || a.name.localeCompare(b.name));
  return {
    path,
    refs: {},
    devices: sorted.map((d) => ({ name: d.name, current: clean(d.current) })),
    broadcast: clean(broadcast),
  };
}
