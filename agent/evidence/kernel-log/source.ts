/**
 * `kernel-log`: the kernel ring buffer. Live: /dev/kmsg read non-blocking until EAGAIN — in the agent
 * followed (the descriptor kept, only new records read at each refresh) — else `dmesg`, else
 * `journalctl -k -b` (spawned at each refresh: only where /dev/kmsg cannot be opened). From a capture: `commands/dmesg`. The text handed on is always dmesg's
 * default shape (`[    1.234567] message`), so a live read and its capture parse to the same facts.
 */
import type { Source, SourceOutcome } from '../../sources/source.js';
import { notOk } from '../../sources/source.js';
import type { SourceContext } from '../../sources/io.js';
import { MAX_FILE_BYTES } from '../../sources/io.js';
import { KmsgFollower, openKmsgDevice, type KmsgLosses } from '../../sources/kmsg.js';
import type { SourceMemory } from '../../sources/memory.js';

export interface RawKernelLog {
  text: string;
  /** Where the text came from. */
  via: 'kmsg' | 'dmesg' | 'journalctl' | 'capture';
}

const KMSG = 'dev/kmsg';
const JOURNAL_ARGS = ['-k', '-b', '-o', 'short-monotonic', '--no-pager', '-q'] as const;

/**
 * One /dev/kmsg record (`prio,seq,usec,flags;text` + ` KEY=value` continuation lines) as a dmesg line.
 * Returns null for continuation-only or malformed records.
 */
export function kmsgRecordToDmesg(record: string): string | null {
  const semi = record.indexOf(';');
  if (semi < 0) return null;
  const fields = record.slice(0, semi).split(',');
  const usec = fields[2];
  if (usec === undefined || !/^\d+$/.test(usec)) return null;
  const nl = record.indexOf('\n', semi);
  const msg = record.slice(semi + 1, nl < 0 ? undefined : nl);
  const us = BigInt(usec);
  const sec = (us / 1_000_000n).toString().padStart(5, ' ');
  const frac = (us % 1_000_000n).toString().padStart(6, '0');
  return `[${sec}.${frac}] ${msg}`;
}

/**
 * Records held by a follower kept between refreshes. The kernel's ring is usually 128 KB–1 MB
 * (CONFIG_LOG_BUF_SHIFT, log_buf_len=); this bounds a chatty kernel over months of uptime.
 */
const KEPT_KMSG_BYTES = 8 * 1024 * 1024;

type KmsgRead = { ok: true; text: string; lost: KmsgLosses; fresh: boolean } | { ok: false; code: string | null; reason: string };

/** Start following /dev/kmsg, or say why it cannot be opened. */
function follow(file: string, maxBytes: number): { ok: true; follower: KmsgFollower } | { ok: false; code: string | null; reason: string } {
  try {
    return { ok: true, follower: new KmsgFollower(openKmsgDevice(file), kmsgRecordToDmesg, maxBytes) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? null;
    return { ok: false, code, reason: `${file}: ${code ?? String(err)}` };
  }
}

/**
 * Read /dev/kmsg without blocking (see sources/kmsg.ts). With the agent's memory the descriptor and
 * the records stay from one refresh to the next, so only new records are read, and `fresh` says
 * whether any arrived; without memory every record is read and the descriptor closed.
 */
async function readKmsg(file: string, signal: AbortSignal, memory: SourceMemory | undefined): Promise<KmsgRead> {
  let follower = memory?.keep<KmsgFollower | null>('kmsg', () => null) ?? null;
  if (follower === null) {
    const f = follow(file, memory ? KEPT_KMSG_BYTES : MAX_FILE_BYTES);
    if (!f.ok) return f;
    follower = f.follower;
    if (memory) {
      memory.forget('kmsg');
      memory.keep('kmsg', () => f.follower, (k) => k?.close());
    }
  }
  let added: number;
  try {
    added = await follower.poll(signal);
  } catch (err) {
    // The descriptor is of no more use: close it, and start afresh (or fall back) next time.
    follower.close();
    memory?.forget('kmsg');
    const code = signal.aborted ? 'ETIMEDOUT' : (err as NodeJS.ErrnoException).code ?? null;
    return { ok: false, code, reason: signal.aborted ? `${file}: read aborted (timed out)` : `${file}: ${code ?? String(err)}` };
  }
  if (!memory) follower.close();
  return { ok: true, text: follower.current().text, lost: { ...follower.losses }, fresh: added > 0 };
}

/** The note for records the agent could not see or did not keep (undefined when none). */
function lossNote(l: KmsgLosses): string | undefined {
  const parts = [
    l.overwritten > 0 ? `${l.overwritten} /dev/kmsg record(s) overwritten by the kernel before they were read` : '',
    l.dropped > 0 ? `${l.dropped} old record(s) let go (more than ${KEPT_KMSG_BYTES / 1024 / 1024} MB held)` : '',
  ].filter((x) => x);
  return parts.length > 0 ? parts.join('; ') : undefined;
}

const DENIED = /operation not permitted|permission denied|EPERM|EACCES/i;

async function readLive(ctx: SourceContext): Promise<SourceOutcome<RawKernelLog>> {
  const { io } = ctx;
  const tried: string[] = [];
  let denied = false;

  const kmsgPath = io.resolve('rootfs', KMSG);
  const k = await readKmsg(kmsgPath, ctx.signal, ctx.memory);
  if (k.ok) {
    io.record('commands', 'dmesg', k.text);
    // No new record: hand back the very object of last time, so its facts are not parsed again.
    const last = ctx.memory?.keep<{ raw: RawKernelLog | null }>('raw', () => ({ raw: null }));
    const raw = !k.fresh && last?.raw?.text === k.text ? last.raw : { text: k.text, via: 'kmsg' as const };
    if (last) last.raw = raw;
    const note = lossNote(k.lost);
    return note === undefined ? { state: 'ok', raw, path: kmsgPath } : { state: 'ok', raw, path: kmsgPath, note };
  }
  tried.push(k.reason);
  if (k.code === 'EACCES' || k.code === 'EPERM') denied = true;
  if (ctx.signal.aborted) return { state: 'failed', reason: k.reason, path: kmsgPath };

  const d = await io.run('dmesg', 'dmesg', [], ctx);
  if (d.state === 'ok') return { state: 'ok', raw: { text: d.stdout, via: 'dmesg' }, path: 'dmesg' };
  tried.push(d.reason);
  if (d.state === 'failed' && DENIED.test(d.reason + d.stderr)) denied = true;
  if (ctx.signal.aborted) return { state: 'failed', reason: tried.join('; '), path: 'dmesg' };

  const j = await io.run('dmesg', 'journalctl', JOURNAL_ARGS, ctx);
  if (j.state === 'ok' && /\S/.test(j.stdout) && !/^-- No entries --\s*$/.test(j.stdout)) {
    return { state: 'ok', raw: { text: j.stdout, via: 'journalctl' }, path: 'journalctl -k -b' };
  }
  tried.push(j.state === 'ok' ? 'journalctl -k -b: no entries' : j.reason);

  if (denied) {
    const restrict = await io.readText('procfs', 'sys/kernel/dmesg_restrict', { record: false });
    const setting = restrict.state === 'ok' ? `kernel.dmesg_restrict=${restrict.text.trim()}` : 'kernel.dmesg_restrict';
    return {
      state: 'failed',
      path: kmsgPath,
      reason:
        `permission denied reading the kernel log (${setting}): it needs CAP_SYSLOG (or root); ` +
        `systemd's ProtectKernelLogs=yes also blocks /dev/kmsg; members of group adm/systemd-journal can read journalctl -k. Tried: ${tried.join('; ')}`,
    };
  }
  return { state: 'failed', path: kmsgPath, reason: `no kernel log could be read. Tried: ${tried.join('; ')}` };
}

export const kernelLogSource: Source<RawKernelLog> = {
  name: 'kernel-log',
  async read(roots, ctx) {
    if (roots.commands !== null) {
      const r = await ctx.io.run('dmesg', 'dmesg', [], ctx);
      if (r.state === 'ok') return { state: 'ok', raw: { text: r.stdout, via: 'capture' }, path: r.path };
      return notOk(r);
    }
    if (!ctx.live) return { state: 'absent', reason: 'no kernel log: not a live system and no captured commands/dmesg', path: null };
    return readLive(ctx);
  },
};
