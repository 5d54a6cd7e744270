/**
 * Run clockdoctor command modules in-process, as the CLI would: stdout, stderr and the exit code
 * (errors go through the same reportFatal as agent/cli.ts).
 */
import { vi } from 'vitest';
import yargs from 'yargs';
import type { CommandModule } from 'yargs';
import { reportFatal } from '../../agent/commands/fatal.js';
import { UsageError } from '../../agent/errors.js';

export async function runCommand(commands: CommandModule<object, never>[], args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  process.exitCode = undefined;
  let code: number;
  try {
    let parser = yargs(args);
    for (const c of commands) parser = parser.command(c);
    await parser.strict().fail((msg, er) => {
      throw er ?? new UsageError(msg);
    }).parseAsync();
    code = Number(process.exitCode ?? 0);
  } catch (er) {
    code = reportFatal(er);
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
  return { out, err, code };
}
