/**
 * Carries out one FixAction on the running guest. The only module in clockdoctor that writes to the
 * system, and it writes only through Roots (so tests aim it at a temp copy of a capture's sys tree).
 * Never runs a shell: the change is a single write(2) of a validated name.
 */
import fs from 'node:fs/promises';
import { constants } from 'node:fs';
import { sysPath, type Roots } from '../roots.js';
import type { FixAction } from '../findings.js';

/** What applying did. */
export interface ApplyOutcome {
  ok: boolean;
  /** The file written. */
  path: string;
  before: string | null;
  after: string | null;
  message: string;
}

async function readTrim(p: string): Promise<string | null> {
  try {
    return (await fs.readFile(p, 'utf8')).trim();
  } catch {
    return null;
  }
}

/**
 * Write the change and read it back: the kernel may refuse a name (EINVAL) or silently keep the old
 * clocksource (a watchdog already marked the new one unstable), and the log must say what really
 * happened.
 */
export async function applyAction(action: FixAction, roots: Roots): Promise<ApplyOutcome> {
  switch (action.kind) {
    case 'set-clocksource': {
      // Device 0 is the system clocksource; the others exist only on exotic systems and are not ours to touch.
      const p = sysPath(roots, 'devices/system/clocksource/clocksource0/current_clocksource');
      const before = await readTrim(p);
      let fh: fs.FileHandle | undefined;
      try {
        // No O_CREAT: if the file is not there, this is not the sysfs we think it is.
        fh = await fs.open(p, constants.O_WRONLY | constants.O_TRUNC);
        await fh.write(`${action.clocksource}\n`);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? String(err);
        const why = code === 'EINVAL' ? 'the kernel refused the name' : code === 'EACCES' || code === 'EPERM' ? 'permission denied (needs root)' : code;
        return { ok: false, path: p, before, after: await readTrim(p), message: `could not write ${p}: ${why}` };
      } finally {
        await fh?.close();
      }
      const after = await readTrim(p);
      const ok = after === action.clocksource;
      return {
        ok,
        path: p,
        before,
        after,
        message: ok
          ? `clocksource switched from ${before ?? '?'} to ${after}`
          : `wrote ${action.clocksource} to ${p} but it now reads ${after ?? '?'} (the kernel kept another clocksource)`,
      };
    }
  }
}
