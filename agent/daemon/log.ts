/**
 * The log of the long-running commands (`agent`, `measure`), as node_exporter writes its own: one line
 * per event on stderr, `ts=… level=… msg=…` followed by structured fields, in logfmt (default) or JSON
 * (`--log.format`), filtered by `--log.level` (debug, info, warn, error).
 *
 * logfmt follows go-logfmt, the encoder behind go-kit's log that Prometheus exporters use: a value is
 * quoted when it contains a space, `=`, `"` or any character at or below U+0020 (an empty value is
 * written as nothing: `key=`); inside quotes `\` and `"` are escaped and control characters written as
 * `\n`, `\t`, `\u001b`.
 * On top of go-logfmt, DEL, C1 controls and bidi overrides are escaped too (and force quoting): every
 * value may come from input (a file name, an error text, a label), and none may reach a terminal or a
 * log viewer raw. JSON lines escape the same characters (valid JSON either way).
 */
import type { Argv } from 'yargs';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['logfmt', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Structured fields of a line; undefined fields are left out, Errors become their message. */
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined | Error>>;

/** What the agent logs through. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** Whether a line at `level` would be written (skip building expensive fields otherwise). */
  enabled(level: LogLevel): boolean;
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Where a finished line goes (default: stderr). */
  write?: (line: string) => void;
  /** The clock for `ts=` (tests inject one). */
  now?: () => Date;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

// Characters escaped wherever they appear: C0 (go-logfmt escapes these too), DEL, C1, bidi controls.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex
const UNSAFE_G = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(c: string): string {
  return SHORT[c] ?? `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`;
}

/** One logfmt value: bare when it can be, else quoted and escaped (go-logfmt's rules, plus UNSAFE). */
export function logfmtValue(value: string): string {
  // go-logfmt quotes on r <= ' ', '=', '"' and U+FFFD; "null" is quoted so it does not read as a null.
  const needsQuotes = value === 'null' || /[\u0000-\u0020="\ufffd]/.test(value) || UNSAFE.test(value);
  if (!needsQuotes) return value;
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`).replace(UNSAFE_G, escapeChar)}"`;
}

/** Keys are ours, but a key must still be one logfmt token: anything else becomes `_`. */
function logfmtKey(key: string): string {
  const k = key.replace(/[\u0000-\u0020="\u007f-\u009f]/g, '_');
  return k === '' ? '_' : k;
}

function fieldText(v: string | number | boolean | null | Error): string {
  if (v instanceof Error) return v.message;
  return v === null ? 'null' : String(v);
}

/** Build one line (without the level check); exported for tests. */
export function formatLogLine(format: LogFormat, ts: Date, level: LogLevel, msg: string, fields: LogFields = {}): string {
  const entries: [string, string | number | boolean | null][] = [];
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    entries.push([k, v instanceof Error ? v.message : v]);
  }
  if (format === 'json') {
    const obj: Record<string, string | number | boolean | null> = { ts: ts.toISOString(), level, msg };
    for (const [k, v] of entries) if (!(k in obj)) obj[k] = typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
    // JSON.stringify escapes C0 only; C1 and bidi controls are escaped the same way here.
    return `${JSON.stringify(obj).replace(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, escapeChar)}\n`;
  }
  const parts = [`ts=${ts.toISOString()}`, `level=${level}`, `msg=${logfmtValue(msg)}`];
  for (const [k, v] of entries) parts.push(`${logfmtKey(k)}=${logfmtValue(fieldText(v))}`);
  return `${parts.join(' ')}\n`;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const min = RANK[opts.level ?? 'info'];
  const format = opts.format ?? 'logfmt';
  const write = opts.write ?? ((line: string) => void process.stderr.write(line));
  const now = opts.now ?? (() => new Date());
  const at = (level: LogLevel) => (msg: string, fields?: LogFields): void => {
    if (RANK[level] >= min) write(formatLogLine(format, now(), level, msg, fields));
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), enabled: (l) => RANK[l] >= min };
}

/** A logger that drops everything (library defaults, tests). */
export const SILENT: Logger = createLogger({ level: 'error', write: () => undefined });

/** The flags `--log.level` and `--log.format`, as node_exporter spells them; a bad value is exit 64 (yargs choices). */
export interface LogArgs {
  'log.level': LogLevel;
  'log.format': LogFormat;
}

export function withLogOptions<T>(y: Argv<T>): Argv<T & LogArgs> {
  return y
    .option('log.level', { type: 'string', choices: LOG_LEVELS, default: 'info', describe: 'only log messages with this severity or above', group: 'Logging:' })
    .option('log.format', { type: 'string', choices: LOG_FORMATS, default: 'logfmt', describe: 'output format of log messages (logfmt: ts=… level=… msg=…; json: one object per line)', group: 'Logging:' }) as unknown as Argv<T & LogArgs>;
}

/** The logger the flags ask for. */
export function loggerFromArgs(argv: Partial<LogArgs>, write?: (line: string) => void): Logger {
  return createLogger({ level: argv['log.level'] ?? 'info', format: argv['log.format'] ?? 'logfmt', ...(write ? { write } : {}) });
}
