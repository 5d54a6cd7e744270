/**
 * `rtc`: /sys/class/rtc/rtc0/{name,since_epoch,hctosys} and /etc/adjtime (under --path.rootfs).
 * Absent only when neither exists (a Firecracker guest has no RTC and no adjtime).
 */
import type { Source } from '../../sources/source.js';
import { notOk } from '../../sources/source.js';
import type { RtcRaw } from './parser.js';

const RTC0 = 'class/rtc/rtc0';

export const rtcSource: Source<RtcRaw> = {
  name: 'rtc',
  async read(_roots, { io }) {
    const dir = io.resolve('sysfs', RTC0);
    let rtc0: RtcRaw['rtc0'] = null;
    const name = io.readTextSync('sysfs', `${RTC0}/name`);
    if (name.state === 'failed') return notOk(name);
    const since = io.readTextSync('sysfs', `${RTC0}/since_epoch`);
    const hctosys = io.readTextSync('sysfs', `${RTC0}/hctosys`);
    if (name.state === 'ok' || since.state === 'ok' || hctosys.state === 'ok') {
      rtc0 = {
        name: name.state === 'ok' ? name.text : null,
        // since_epoch fails with EINVAL when the RTC holds an invalid time; that is "unknown", not a broken collector.
        sinceEpoch: since.state === 'ok' ? since.text : null,
        hctosys: hctosys.state === 'ok' ? hctosys.text : null,
      };
    }
    const adj = io.readTextSync('rootfs', 'etc/adjtime', { maxBytes: 64 * 1024 });
    if (adj.state === 'failed') return notOk(adj);
    if (rtc0 === null && adj.state !== 'ok') {
      return { state: 'absent', reason: `no RTC: ${dir} and ${adj.path} do not exist`, path: dir };
    }
    return {
      state: 'ok',
      raw: { rtc0, adjtime: adj.state === 'ok' ? adj.text : null, adjtimePath: adj.state === 'ok' ? adj.path : null },
      path: rtc0 !== null ? dir : adj.path,
    };
  },
};
