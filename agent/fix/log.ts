/**
 * Every change `fix --apply` makes is logged: to stderr for the person at the terminal, and to the
 * system log through `logger(1)` (journald or syslog, tag `clockdoctor`, facility authpriv) so an
 * administrator can later see who changed the clock set-up and when. No shell: execa with an argv.
 */
import { execa } from 'execa';

/** Where audit lines go; injectable so tests need not write to the real journal. */
export interface AuditLog {
  (line: string): Promise<void>;
}

/** Log to stderr and, when `logger` is on PATH, to the system log. Never throws. */
export function systemAuditLog(stderr: NodeJS.WritableStream = process.stderr): AuditLog {
  return async (line: string) => {
    stderr.write(`clockdoctor: ${line}\n`);
    try {
      const r = await execa('logger', ['-t', 'clockdoctor', '-p', 'authpriv.notice', '--', line], { reject: false, timeout: 5000, stdin: 'ignore' });
      if (r.exitCode !== 0) stderr.write(`clockdoctor: (could not write to the system log: ${r.shortMessage ?? 'logger failed'})\n`);
    } catch {
      stderr.write('clockdoctor: (logger(1) not available: this change is logged on stderr only)\n');
    }
  };
}
