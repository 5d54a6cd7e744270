/**
 * `clockevents`: `clockeventN/current_device` for every per-CPU clock event device, and the broadcast device.
 */
import type { Source } from '../../sources/source.js';
import { notOk } from '../../sources/source.js';
import type { ClockeventDeviceText } from './parser.js';

export interface RawClockevents {
  devices: ClockeventDeviceText[];
  /** Text of `broadcast/current_device` (empty on most VMs), null when the file is missing. */
  broadcast: string | null;
}

const DIR = 'devices/system/clockevents';

export const clockeventsSource: Source<RawClockevents> = {
  name: 'clockevents',
  async read(_roots, { io }) {
    const list = await io.listDir('sysfs', DIR, { sync: true });
    if (list.state !== 'ok') return notOk(list);
    const names = list.names
      .filter((n) => /^clockevent\d+$/.test(n))
      .sort((a, b) => Number(a.slice(10)) - Number(b.slice(10)));
    const devices: RawClockevents['devices'] = [];
    for (const name of names) {
      const r = io.readTextSync('sysfs', `${DIR}/${name}/current_device`);
      if (r.state === 'failed') return notOk(r);
      devices.push({ name, current: r.state === 'ok' ? r.text : null });
    }
    const b = io.readTextSync('sysfs', `${DIR}/broadcast/current_device`);
    if (b.state === 'failed') return notOk(b);
    if (devices.length === 0 && b.state !== 'ok') return { state: 'absent', reason: `${list.path} has no clock event device`, path: list.path };
    return { state: 'ok', raw: { devices, broadcast: b.state === 'ok' ? b.text : null }, path: list.path };
  },
};
