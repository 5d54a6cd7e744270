/**
 * A source that is one plain /proc text file (cpuinfo, cmdline, timer_list).
 */
import type { Source } from './source.js';
import { notOk } from './source.js';

/** Raw text and where it came from. */
export interface RawText {
  text: string;
}

/**
 * `onDenied` is appended to a permission-denied reason (what would grant access). A file that every
 * kernel has but this live system does not show is hidden (systemd's ProcSubset=pid): say so.
 */
export function procFileSource(name: string, rel: string, onDenied?: string, alwaysThere = true): Source<RawText> {
  return {
    name,
    async read(_roots, { io, signal, live }) {
      const r = await io.readText('procfs', rel, { signal });
      if (r.state === 'ok') return { state: 'ok', raw: { text: r.text }, path: r.path };
      if (r.state === 'failed' && (r.code === 'EACCES' || r.code === 'EPERM') && onDenied) {
        return { state: 'failed', reason: `${r.reason}: ${onDenied}`, path: r.path };
      }
      if (r.state === 'absent' && live && alwaysThere && io.roots.commands === null) {
        return { state: 'absent', reason: `${r.reason} (hidden? systemd's ProcSubset=pid hides it)`, path: r.path };
      }
      return notOk(r);
    },
  };
}
