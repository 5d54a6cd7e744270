/**
 * The command line's shape, apart from the entry point so tests drive the very parser users get:
 * the command table (what `--help` lists, loaded only when one runs), the operand conventions yargs
 * lacks (`-` is a file, `--` ends options) and the yargs configuration shared by every command.
 *
 * Nothing here imports a command module or yargs at load time: `clockdoctor --help` lists the table
 * without loading a single command, and a command's module (with its packages) loads when it runs.
 */
import type { Argv, CommandModule } from 'yargs';

/** One command as `--help` lists it, and how to load the module that runs it. */
export interface CommandEntry {
  /** yargs' command string: the name and its positionals. */
  command: string;
  /** The one-line description (the module's own `describe`; a test keeps the two equal). */
  describe: string;
  /** Operands are file names: `-` and the words after `--` are passed through verbatim. */
  takesFiles: boolean;
  load: () => Promise<CommandModule<object, never>>;
}

type AnyCommand = CommandModule<object, never>;

/** The commands, in the order --help lists them. */
export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  analyze: {
    command: 'analyze [file..]',
    describe: 'Explain the clock of a VM from evidence files: VBox.log, kernel log, /proc/cpuinfo, /proc/timer_list, clocksource files, capture dirs',
    takesFiles: true,
    load: async () => (await import('./analyze.js')).analyzeCommand as AnyCommand,
  },
  check: {
    command: 'check',
    describe: 'Diagnose the clock of this machine (or of a capture with --from): same report and --json as analyze',
    takesFiles: false,
    load: async () => (await import('./check.js')).checkCommand as AnyCommand,
  },
  collect: {
    command: 'collect',
    describe: 'Write a capture of this machine\'s clock evidence to a directory (to send, or to turn into a test fixture)',
    takesFiles: false,
    load: async () => (await import('./collect.js')).collectCommand as AnyCommand,
  },
  agent: {
    command: 'agent',
    describe: 'run as a Prometheus exporter (or write a node_exporter textfile)',
    takesFiles: false,
    load: async () => (await import('./agent.js')).agentCommand as AnyCommand,
  },
  simulate: {
    command: 'simulate [file..]',
    describe: 'Run the timekeeping model: a reference scenario, a configuration from flags, or the one the evidence describes',
    takesFiles: true,
    load: async () => (await import('./simulate.js')).simulateCommand as AnyCommand,
  },
  measure: {
    command: 'measure',
    describe: 'measure this clock against a reference: drift ± uncertainty, offset, steps; compare with the model; the VirtualBox TSC fix',
    takesFiles: false,
    load: async () => (await import('./measure.js')).measureCommand as AnyCommand,
  },
  fix: {
    command: 'fix',
    describe: 'List the fixes for this guest; with --apply (as root, after asking) carry out the ones that can be applied here',
    takesFiles: false,
    load: async () => (await import('./fix.js')).fixCommand as AnyCommand,
  },
};

/** The command word: the first argument that is not an option (and not `-`, which is a file). */
export function commandWord(argv: readonly string[]): string | undefined {
  return argv.find((a) => !a.startsWith('-'));
}

// A NUL cannot occur in a command-line argument (argv strings are C strings), so a word that holds
// one can only be ours: it stands in for an operand yargs would otherwise drop or read as an option.
const MARK = '\u0000operand\u0000';

/** Argv with the operands yargs mishandles replaced by stand-ins, and the way back. */
export interface ProtectedArgv {
  argv: string[];
  /** The original word for a stand-in; anything else unchanged. */
  restore: (word: string) => string;
}

/**
 * yargs drops a lone `-` and an empty word, and reads the words after `--` as options once it
 * re-parses positionals (`analyze -- --json` would print JSON). For a command whose operands are
 * files, those words become stand-ins that reach the handler as the words the user typed, in place:
 * `analyze a - b` is the files a, -, b and `analyze -- --json` is the file "--json". Other commands
 * have no operands, so their argv is left alone.
 */
export function protectOperands(argv: readonly string[]): ProtectedArgv {
  const word = commandWord(argv);
  const at = word === undefined ? -1 : argv.indexOf(word);
  if (word === undefined || COMMANDS[word]?.takesFiles !== true) return { argv: [...argv], restore: (w) => w };
  const originals: string[] = [];
  const stand = (w: string): string => `${MARK}${originals.push(w) - 1}`;
  const out = argv.slice(0, at + 1);
  for (let i = at + 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      for (const rest of argv.slice(i + 1)) out.push(stand(rest));
      break;
    }
    out.push(a === '-' || a === '' ? stand(a) : a);
  }
  return {
    argv: out,
    restore: (w) => (w.startsWith(MARK) ? (originals[Number(w.slice(MARK.length))] ?? w) : w),
  };
}

/** Put the original words back into every string (or list of strings) yargs hands the handler. */
function restoreAll(args: Record<string, unknown>, restore: (w: string) => string): void {
  for (const [k, v] of Object.entries(args)) {
    if (typeof v === 'string') args[k] = restore(v);
    else if (Array.isArray(v)) args[k] = v.map((x) => (typeof x === 'string' ? restore(x) : x));
  }
}

/** What the parser needs besides argv: the loaded modules, and how to report a usage error. */
export interface ParserOptions {
  /** The modules of the commands that may run (the others are listed from the table only). */
  modules: readonly AnyCommand[];
  version: string;
  /** Wrap help at this width (null: no wrapping, cheaper when no help is printed). */
  wrap: number | null;
  /** Called with yargs' message for a usage error (a bad flag, a missing value); must not return normally. */
  onUsageError: (message: string) => never;
}

const EPILOGUE = 'Exit codes: 0 healthy, 1 warnings, 2 critical, 64 usage error, 65 nothing in the inputs understood, 66 an input missing or unreadable.\nDocs: README.md';

/**
 * The yargs parser for `argv` (yargs passed in: the caller imports it, lazily). Every command of the
 * table is listed; those in `modules` are the real ones, the rest are stand-ins that only
 * describe themselves (their module is not loaded, so they must never be the one that runs).
 */
export function buildParser(yargs: (argv: string[]) => Argv, argv: readonly string[], opts: ParserOptions): Argv {
  const { argv: words, restore } = protectOperands(argv);
  const loaded = new Map(opts.modules.map((m) => [commandName(m), m]));
  let parser: Argv = yargs(words)
    .scriptName('clockdoctor')
    .usage('$0 <command> [options]\n\nDiagnoses clocks in virtual machines: reads the evidence, predicts and measures drift, explains the fix.');
  for (const [name, entry] of Object.entries(COMMANDS)) {
    const real = loaded.get(name);
    parser = parser.command(real ?? { command: entry.command, describe: entry.describe, handler: () => notLoaded(name) });
  }
  return parser
    .middleware((args) => restoreAll(args, restore))
    .demandCommand(1, 'Name a command: clockdoctor analyze VBox.log, clockdoctor check, clockdoctor --help')
    .strict()
    .version(opts.version)
    .help()
    .alias('h', 'help')
    .wrap(opts.wrap)
    .epilogue(EPILOGUE)
    .fail((msg, err) => {
      // yargs' own validation errors (YError: a missing value, an unknown flag) are usage errors;
      // anything else was thrown by a handler and keeps its own meaning and exit code.
      if (err && err.name !== 'YError') throw err;
      opts.onUsageError(spellUnknown(msg ?? err?.message ?? 'bad command line', argv));
    });
}

/**
 * yargs names an unknown option without its dashes (`analyze -x` → "Unknown argument: x"), which
 * reads like a stray file name; give each name back as the user typed it (`-x`, `--colour`).
 */
export function spellUnknown(message: string, argv: readonly string[]): string {
  const m = /^(Unknown arguments?: )(.*)$/.exec(message);
  if (!m) return message;
  const end = argv.indexOf('--');
  const typed = (end < 0 ? argv : argv.slice(0, end)).filter((t) => t.startsWith('-') && t !== '-');
  const spell = (name: string): string =>
    typed.find((t) => t === `--${name}` || t.startsWith(`--${name}=`) || t === `--no-${name}`)?.split('=')[0]
    ?? (typed.some((t) => /^-[^-]/.test(t) && t.slice(1).includes(name)) && name.length === 1 ? `-${name}` : name);
  return m[1] + m[2]!.split(', ').map(spell).join(', ');
}

function commandName(m: AnyCommand): string {
  const c = Array.isArray(m.command) ? m.command[0] : m.command;
  return String(c ?? '').split(' ')[0] ?? '';
}

function notLoaded(name: string): never {
  throw new Error(`command ${name} ran without its module loaded (cli.ts must load the command it runs)`);
}
