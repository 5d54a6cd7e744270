/**
 * The chrony and phc references read another program's output. How it can fail before saying anything
 * is the same for both — not installed, or no answer in time — and becomes the same ReferenceFailure
 * kinds; what the output means is each reference's own business.
 */
import { ReferenceFailure } from './reference.js';

export interface ToolOutput {
  /** stdout and stderr interleaved, as a person would see them. */
  all: string;
  stdout: string;
  exitCode: number | undefined;
}

/**
 * Run `file args` for at most `timeoutMs`; a non-zero exit is returned, not thrown. Throws
 * ReferenceFailure 'unavailable' with `messages.missing` when the program is not installed, and
 * 'timeout' with `messages.timedOut` when it did not finish in time.
 */
export async function runTool(
  file: string,
  args: readonly string[],
  timeoutMs: number,
  messages: { missing: string; timedOut: string },
): Promise<ToolOutput> {
  // Loaded when a tool first runs: execa's module graph costs tens of ms that `--help` never needs.
  const { execa } = await import('execa');
  const r = await execa(file, args, { reject: false, timeout: timeoutMs, all: true });
  if (r.failed && (r as { code?: string }).code === 'ENOENT') throw new ReferenceFailure(messages.missing, 'unavailable');
  if (r.timedOut) throw new ReferenceFailure(messages.timedOut, 'timeout');
  return { all: String(r.all ?? ''), stdout: String(r.stdout ?? ''), exitCode: r.exitCode };
}
