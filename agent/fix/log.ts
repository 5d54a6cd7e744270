/**
 * Every change `fix --apply` makes is logged: to stderr for the person at the terminal, and to the
 * system log through `logger(1)` (journald or syslog, tag `clockdoctor`, facility authpriv) so an
 * administrator can later see who changed the clock set-up and when. Where no syslog socket exists
 * (containers, minimal images) the line is appended to `<rootfs>/var/log/clockdoctor.log` instead.
 * No shell: execa with an argv.
 */
import fs from 'node:fs/promises';
import { rootPath, type Roots } from '../roots.js';

/** Where audit lines go; injectable so tests need not write to the real journal. */
export interface AuditLog {
  (line: string): Promise<void>;
}

/** The fallback log file when logger(1) cannot reach syslog. */
export const fallbackLogPath = (roots: Roots): string => rootPath(roots, 'var/log/clockdoctor.log');

/** Log to stderr and to the system log (or the fallback file). Never throws. */
export function systemAuditLog(roots: Roots, stderr: NodeJS.WritableStream = process.stderr): AuditLog {
  return async (line: string) => {
    stderr.write(`clockdoctor: ${line}\n`);
    let why: string;
    try {
      // Loaded on the first change logged (never for `fix --help` or a dry run).
      const { execa } = await import('execa');
      // --socket-errors=on: without it logger reports success even when there is no /dev/log.
      const r = await execa('logger', ['--socket-errors=on', '-t', 'clockdoctor', '-p', 'authpriv.notice', '--', line], { reject: false, timeout: 5000, stdin: 'ignore' });
      if (r.exitCode === 0) return;
      why = (r.stderr || r.shortMessage || 'logger failed').split('\n')[0] ?? 'logger failed';
    } catch (err) {
      why = `logger(1) not available (${err instanceof Error ? err.message : String(err)})`;
    }
    const file = fallbackLogPath(roots);
    try {
      await fs.appendFile(file, `${new Date().toISOString()} ${line}\n`, { mode: 0o600 });
      stderr.write(`clockdoctor: (no system log: ${why}; logged to ${file})\n`);
    } catch {
      stderr.write(`clockdoctor: (no system log: ${why}; and ${file} is not writable: logged on stderr only)\n`);
    }
  };
}
