/**
 * A kernel command line pasted (`cat /proc/cmdline`, or the bare line) → CmdlineFacts. Pure.
 *
 * The line under a prompt that reads the kernel's command line is taken whole; without a prompt only a
 * line that starts as bootloaders write it (`BOOT_IMAGE=`, WSL2's `initrd=\initrd.img`) counts, or a
 * file that is nothing but one line of kernel parameters (/proc/cmdline itself) — the kernel log's
 * `Command line:` lines are the kernel-log kind's.
 */
import type { KindParser, LineContext } from '../kind.js';
import type { CmdlineFacts } from './facts.js';
import { parseCmdline } from './parser.js';
import { excerpt } from '../text/lines.js';
import { blank, startsWithAny } from '../text/bytes.js';

const READS_CMDLINE = /\bproc\/cmdline\b/;
const BARE = /^(?:BOOT_IMAGE=\S+|initrd=\\\S+)\s/;
/** Parameters only a kernel command line has: enough to know a one-line file is /proc/cmdline. */
const KERNEL_PARAM = /(?:^|\s)(?:console=|root=|ro(?=\s|$)|quiet(?=\s|$)|panic=|reboot=|clocksource=|tsc=|rdinit=|init=|BOOT_IMAGE=|nohz=|mitigations=)/;
/** A whole line of parameters, init's arguments after `--` aside. */
const PARAMS = /^[\w.,/:=@+-]+(?:\s+[\w.,/:=@+\\-]+)*(?:\s+--(?:\s.*)?)?$/;

/** A line that goes on with parameters (a long command line wrapped in the paste): words, at least one `key=value`. */
const MORE = /^(?=.*=)[\w.-]+(?:=\S*)?(?:\s+[\w.-]+(?:=\S*)?)*$/;

export function createCmdlineParser(path: string | null = null): KindParser<CmdlineFacts> {
  let found: { text: string; line: number } | null = null;
  let armed = false;
  /** The line just taken may go on over the next lines. */
  let open = false;
  /** The text's only non-empty line so far (a file that is /proc/cmdline itself), while there is one. */
  let lone: { text: string; line: number } | null = null;
  let nonEmpty = 0;
  const loneCmdline = (): { text: string; line: number } | null =>
    found === null && nonEmpty === 1 && lone !== null && lone.line <= 3 && PARAMS.test(lone.text) && KERNEL_PARAM.test(lone.text) && /=/.test(lone.text) ? lone : null;
  return {
    // Every line passes through here once: the non-empty ones are counted here (a lone line is the file itself).
    wants(buf, start, end) {
      if (!blank(buf, start, end)) nonEmpty++;
      return armed || open || nonEmpty === 1 || startsWithAny(buf, start, end, ['BOOT_IMAGE=', 'initrd=\\']);
    },
    // Past two non-empty lines the count no longer matters (only "exactly one" does).
    quietOnClaimed: () => nonEmpty >= 2 && !armed && !open,
    quietOnDaemon: () => nonEmpty >= 2 && !armed && !open,
    prompt(command) {
      armed = found === null && READS_CMDLINE.test(command);
      open = false;
      nonEmpty += 2; // a prompt means this is a paste, not the file itself
    },
    push(line: string, lineNo: number, ctx?: LineContext) {
      const t = line.trim();
      if (t !== '' && nonEmpty === 1 && lone === null) lone = { text: t, line: lineNo };
      if (found !== null) {
        if (open && t !== '' && MORE.test(t)) found.text += ` ${t}`;
        else open = false;
        return;
      }
      if (t === '') return;
      if ((armed && ctx?.command !== null && ctx?.command !== undefined) || BARE.test(t)) { found = { text: t, line: lineNo }; open = true; }
      armed = false;
    },
    recognised: () => (found !== null || loneCmdline() !== null ? 1 : 0),
    finish() {
      found ??= loneCmdline();
      const facts = parseCmdline(found?.text ?? '', path);
      // parseCmdline quotes line 1 (a /proc file); a paste quotes the line it came from.
      const at = found?.line ?? 1;
      for (const k of Object.keys(facts.refs)) facts.refs[k] = { line: at, excerpt: excerpt(found?.text ?? '') };
      facts.refs.raw = { line: at, excerpt: excerpt(found?.text ?? '') };
      return facts;
    },
  };
}
