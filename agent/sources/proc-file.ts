/**
 * A source that is one plain /proc text file (cpuinfo, cmdline, timer_list).
 */
import type { Source } from './source.js';
import { notOk } from './source.js';

/** Raw text and where it came from. */
export interface RawText {
  text: string;
}

export function procFileSource(name: string, rel: string, onDenied?: string): Source<RawText> {
  return {
    name,
    async read(_roots, { io, signal }) {
      const r = await io.readText('procfs', rel, { signal });
      if (r.state === 'ok') return { state: 'ok', raw: { text: r.text }, path: r.path };
      if (r.state === 'failed' && (r.code === 'EACCES' || r.code === 'EPERM') && onDenied) {
        return { state: 'failed', reason: `${r.reason}: ${onDenied}`, path: r.path };
      }
      return notOk(r);
    },
  };
}

