/**
 * The last line of defence: turn any error into one clear line and an exit code — never a stack
 * trace (set CLOCKDOCTOR_DEBUG=1 to see one).
 */
import { InputError, ParseError, UsageError, located } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { printable } from '../util/sanitize.js';

export function reportFatal(err: unknown): ExitCode {
  let code: ExitCode;
  let msg: string;
  if (err instanceof InputError) {
    code = err.exitCode;
    msg = located(err.path, err.line, err.message);
  } else if (err instanceof ParseError) {
    code = EXIT.dataErr;
    msg = located(err.path, err.line, err.message);
  } else if (err instanceof UsageError) {
    code = EXIT.usage;
    msg = err.message;
  } else {
    code = EXIT.software;
    msg = `internal error: ${err instanceof Error ? err.message : String(err)} (please report it; CLOCKDOCTOR_DEBUG=1 shows details)`;
  }
  process.stderr.write(`clockdoctor: ${printable(msg)}\n`);
  if (process.env.CLOCKDOCTOR_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return code;
}
