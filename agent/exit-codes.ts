/**
 * Exit codes are a contract: scripts branch on them. Documented in README.md ("Exit codes").
 * 64–66 follow BSD sysexits (EX_USAGE, EX_DATAERR, EX_NOINPUT).
 */
export const EXIT = {
  /** Healthy: no warning or critical finding. */
  ok: 0,
  /** At least one warning, no critical finding. */
  warning: 1,
  /** At least one critical finding. */
  critical: 2,
  /** Bad command line. */
  usage: 64,
  /** An input was read but not understood (unknown kind, binary, parse error). */
  dataErr: 65,
  /** An input is missing or unreadable. */
  noInput: 66,
  /** Something on our side failed (a bug); the message says what. */
  software: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
