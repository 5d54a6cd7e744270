/**
 * Errors as values with a place: every error a user can see names the file (and line) it is about.
 */
import { EXIT, type ExitCode } from './exit-codes.js';

/** Thrown by parsers (and only this): the input could not be understood at a given line. */
export class ParseError extends Error {
  override readonly name = 'ParseError';
  constructor(
    message: string,
    readonly line: number | null = null,
    readonly path: string | null = null,
  ) {
    super(message);
  }
}

/** A problem with a user's input file or argument, carrying the exit code it maps to. */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.dataErr,
    readonly path: string | null = null,
    readonly line: number | null = null,
  ) {
    super(message);
  }
}

/** Usage error (exit 64). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `path:line: message` (line omitted when unknown). */
export function located(path: string | null, line: number | null, message: string): string {
  const where = path === null ? '' : line === null ? `${path}: ` : `${path}:${line}: `;
  return `${where}${message}`;
}
