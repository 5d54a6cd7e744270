/**
 * `clocksource`: every `clocksourceN` directory's current and available clocksource (sysfs, world-readable).
 */
import type { Source } from '../../sources/source.js';
import { notOk } from '../../sources/source.js';
import type { ClocksourceDeviceText } from './parser.js';

const DIR = 'devices/system/clocksource';

export const clocksourceSource: Source<ClocksourceDeviceText[]> = {
  name: 'clocksource',
  async read(_roots, { io }) {
    const list = await io.listDir('sysfs', DIR, { sync: true });
    if (list.state !== 'ok') return notOk(list);
    const devices = list.names
      .map((n) => /^clocksource(\d+)$/.exec(n)?.[1])
      .filter((d): d is string => d !== undefined)
      .sort((a, b) => Number(a) - Number(b));
    if (devices.length === 0) return { state: 'absent', reason: `${list.path} has no clocksourceN directory`, path: list.path };
    const out: ClocksourceDeviceText[] = [];
    for (const device of devices) {
      const cur = io.readTextSync('sysfs', `${DIR}/clocksource${device}/current_clocksource`);
      const avail = io.readTextSync('sysfs', `${DIR}/clocksource${device}/available_clocksource`);
      // A read error on a world-readable sysfs file is not "no data": say so.
      if (cur.state === 'failed') return notOk(cur);
      if (avail.state === 'failed') return notOk(avail);
      out.push({ device, current: cur.state === 'ok' ? cur.text : null, available: avail.state === 'ok' ? avail.text : null });
    }
    return { state: 'ok', raw: out, path: list.path };
  },
};
