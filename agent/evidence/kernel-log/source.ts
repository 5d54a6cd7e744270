/**
 * `kernel-log`: the kernel ring buffer. Live: /dev/kmsg read non-blocking until EAGAIN, else `dmesg`,
 * else `journalctl -k -b`. From a capture: `commands/dmesg`. The text handed on is always dmesg's
 * default shape (`[    1.234567] message`), so a live read and its capture parse to the same facts.
 */
import fs from 'node:fs';
import type { Source, SourceOutcome } from '../../sources/source.js';
import { notOk } from '../../sources/source.js';
import type { SourceContext } from '../../sources/io.js';
import { MAX_FILE_BYTES } from '../../sources/io.js';

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
 * Read /dev/kmsg without blocking: each read() returns one record; EAGAIN means we reached the end,
 * EPIPE means the record we were at was overwritten (skip on). Yields to the event loop now and then
 * so a timeout can fire.
 */
async function readKmsg(file: string, signal: AbortSignal): Promise<{ ok: true; text: string } | { ok: false; code: string | null; reason: string }> {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? null;
    return { ok: false, code, reason: `${file}: ${code ?? String(err)}` };
  }
  const lines: string[] = [];
  let bytes = 0;
  const buf = Buffer.alloc(16 * 1024);
  try {
    for (let i = 1; ; i++) {
      let n: number;
      try {
        n = fs.readSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') break;
        if (code === 'EPIPE') continue;
        return { ok: false, code: code ?? null, reason: `${file}: ${code ?? String(err)}` };
      }
      if (n === 0) break;
      const line = kmsgRecordToDmesg(buf.toString('utf8', 0, n));
      if (line !== null) {
        lines.push(line);
        bytes += line.length + 1;
        if (bytes > MAX_FILE_BYTES) break;
      }
      if (i % 512 === 0) {
        await new Promise((r) => setImmediate(r));
        if (signal.aborted) return { ok: false, code: 'ETIMEDOUT', reason: `${file}: read aborted (timed out)` };
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return { ok: true, text: lines.length > 0 ? `${lines.join('\n')}\n` : '' };
}

const DENIED = /operation not permitted|permission denied|EPERM|EACCES/i;

async function readLive(ctx: SourceContext): Promise<SourceOutcome<RawKernelLog>> {
  const { io } = ctx;
  const tried: string[] = [];
  let denied = false;

  const kmsgPath = io.resolve('rootfs', KMSG);
  const k = await readKmsg(kmsgPath, ctx.signal);
  if (k.ok) {
    io.record('commands', 'dmesg', k.text);
    return { state: 'ok', raw: { text: k.text, via: 'kmsg' }, path: kmsgPath };
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
