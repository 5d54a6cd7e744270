/**
 * VBoxService as the guest logs it → VboxserviceFacts. Pure. Two shapes:
 * - journal / syslog, tagged: `… VBoxService[804]: 16:51:37.196960 timesync vgsvcTimeSyncWorker: Radical …`;
 * - its own log (`VBoxService -f -vvv`, `--logfile`): `00:00:01.017296 timesync vgsvcTimeSyncAdjust: adjtime by …`
 *   — VBox.log's stamp shape, which the router gives to this kind for the `timesync`/`main` threads
 *   (`stampedPrefixes`).
 * The time-sync messages are read by the same reader as VBox.log's forwarded lines (vbox/timesync.ts).
 */
import type { KindParser, LineRef, TimeSyncLogLine } from '../kind.js';
import type { VboxserviceFacts } from './facts.js';
import { excerpt } from '../text/lines.js';
import { CappedList } from '../text/capped.js';
import { PROGRAM, contains, needles, programsIn, skipBlanks } from '../text/needles.js';
import { splitDaemonLine } from '../text/daemon-log.js';
import { mentionsTimeSync, parseTimeSyncMessages } from '../vbox/timesync.js';

/** RTLog's prefix: the stamp (elapsed since start, or the time of day in the journal's copy) and the thread. */
const OWN = /^\s*(\d\d):(\d\d):(\d\d)\.(\d{3,9}) ([\w-]{1,16})\s+(.*)$/;
const VERSION = /\bVBoxService (\d+\.\d+\.\d+\S*) r\d+/;

interface State { count: number; lines: number; version: string | null; refs: Record<string, LineRef>; timeSync: CappedList<TimeSyncLogLine> }

function stampSeconds(m: RegExpExecArray): number {
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(`0.${m[4]}`);
}

/** Read one VBoxService message (its RTLog prefix optional). */
function message(s: State, line: string, lineNo: number, msg: string): void {
  const own = OWN.exec(msg);
  const thread = own?.[5] ?? null;
  const text = own?.[6] ?? msg;
  const v = VERSION.exec(text);
  if (v !== null && s.version === null) { s.version = v[1]!; s.refs.version = { line: lineNo, excerpt: excerpt(line) }; }
  if (thread !== 'timesync' && !mentionsTimeSync(text)) return;
  const at = own !== null ? stampSeconds(own) : null;
  for (const t of parseTimeSyncMessages(text)) s.timeSync.push({ line: lineNo, excerpt: excerpt(line), atSeconds: at, kind: t.kind, deltaNs: t.deltaNs });
}

const [TIMESYNC, MAIN] = needles('timesync', ' main ') as [Uint8Array, Uint8Array];

/** Its tag anywhere, or its own log's stamp followed by the timesync or main thread. */
function wants(buf: Uint8Array, start: number, end: number): boolean {
  const i = skipBlanks(buf, start, end);
  const c = buf[i];
  if (c !== undefined && c >= 48 && c <= 57 && (contains(buf, i, Math.min(end, i + 32), TIMESYNC) || contains(buf, i, Math.min(end, i + 24), MAIN))) return true;
  return (programsIn(buf, start, end) & PROGRAM.vboxService) !== 0;
}

/** A parser for the VBoxService lines of a text. */
export function createVboxserviceParser(path: string | null = null): KindParser<VboxserviceFacts> {
  const s: State = { count: 0, lines: 0, version: null, refs: {}, timeSync: new CappedList() };
  return {
    // VBoxService's own log has VBox.log's stamp; the router offers those lines here too for these threads.
    stampedPrefixes: ['time', 'main'],
    wants,
    quietOnDaemon: () => true,
    daemonWords: ['VBoxService'],
    push(line, lineNo) {
      const d = splitDaemonLine(line);
      if (d.program === 'VBoxService') {
        s.count++;
        s.lines++;
        message(s, line, lineNo, d.msg);
        return;
      }
      if (d.program !== null) return;
      const own = OWN.exec(line);
      // Untagged: only its own time-sync thread, or its start banner on the main thread.
      if (own === null || !(own[5] === 'timesync' || (own[5] === 'main' && /\bVBoxService\b/.test(own[6]!)))) return;
      s.count++;
      s.lines++;
      message(s, line, lineNo, line.trim());
    },
    recognised: () => s.count,
    finish: () => ({ path, refs: s.refs, version: s.version, timeSync: s.timeSync.toArray(), lines: s.lines }),
  };
}
