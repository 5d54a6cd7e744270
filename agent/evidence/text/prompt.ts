/**
 * Shell prompts in pasted evidence: `$ chronyc sources`, `[root@db1 ~]# dmesg | grep -i tsc`,
 * `azureuser@vm:~$ ls /sys/class/ptp`, `guest:# lscpu`, `❯ uname -a`, `PS C:\> bcdedit`. A prompt names
 * the command whose output follows, which is often the only thing that says what a line is (`ptp0`
 * under `ls /sys/class/ptp`, one word under `cat …/current_clocksource`). Pure.
 */

import { isAsciiSpace } from './bytes.js';

/** What a prompt line says. */
export interface Prompt {
  /** The command as typed, trimmed (`dmesg | grep -i tsc`); a leading `sudo` is kept. */
  command: string;
  /** The host the prompt names (`db1` in `[root@db1 ~]#`), or null. */
  host: string | null;
}

// An optional `(22:49:31)` clock some shells print, then the user@host part (bracketed or not), then the sigil.
const CLOCK = String.raw`(?:\(\d\d:\d\d(?::\d\d)?\)\s*)?`;
const BRACKETED = String.raw`\[?[^\s\[\]$#%>]{0,64}(?:[ :][^\s\[\]$#%>]{0,64}){0,2}\]`;
const BARE = String.raw`[\w.@-]{0,64}(?::[^\s$#%>]{0,64})?`;
/** A bare working directory as the prompt (`~$ uname -m`, busybox's `/ # date -u`). */
const CWD = String.raw`~[^\s$#%>]{0,128}|\/[^\s$#%>]{0,128}`;
const UNIX = new RegExp(String.raw`^\s*${CLOCK}(${BRACKETED}|${CWD}|${BARE})\s?([$#%❯➜λ])\s*(\S.*)$`);
const POWERSHELL = /^\s*(?:PS )?[A-Za-z]:\\[^>]{0,200}>\s*(\S.*)$/;

/** Commands a `#` prompt (root) may run — `#` also starts comments, which are not prompts. */
const ROOT_COMMANDS = new RegExp(String.raw`^(?:sudo\s+)?(?:cat|ls|dmesg|journalctl|grep|egrep|zgrep|chronyc|chronyd|timedatectl|ntpq|ntpdc|ntpstat|ntpdate|sntp|uname|lscpu|lsmod|modinfo|hwclock|date|rpm|dpkg|apt|yum|dnf|systemctl|service|VBoxManage|vmware-toolbox-cmd|vmtoolsd|virt-what|systemd-detect-virt|hostnamectl|head|tail|less|more|zcat|sed|awk|echo|printf|while|for|watch|sysctl|phc_ctl|phc2sys|ethtool|cpuid|find|tree|stat|readlink|adjtimex|tuned-adm|xl|xm|virsh|qemu-\S+|kvm|lima|limactl|colima|docker|docker-machine|multipass|wsl|uptime|ps|pgrep|top|perf|cpupower|turbostat|rdmsr|wrmsr)\b`);

/** Host from the user@host part: `root@db1 ~`, `fg@rac1 hv`, `azureuser@yaron-test:~`, `guest`, `crystal: ~`. */
function hostOf(who: string): string | null {
  const inner = who.replace(/^\[|\]$/g, '').trim();
  if (inner === '') return null;
  const at = inner.indexOf('@');
  const rest = at >= 0 ? inner.slice(at + 1) : inner;
  const host = rest.split(/[\s:]/)[0] ?? '';
  return /^[A-Za-z0-9][\w.-]{0,63}$/.test(host) && !/^~/.test(host) ? host : null;
}

/** The prompt a line is, or null. A `#` prompt with no user@host part must run a known command. */
export function parsePrompt(line: string): Prompt | null {
  const ps = POWERSHELL.exec(line);
  if (ps !== null) return { command: ps[1]!.trim(), host: null };
  const m = UNIX.exec(line);
  if (m === null) return null;
  const who = m[1] ?? '';
  const sigil = m[2]!;
  const command = m[3]!.trim();
  // A sigil with words right before it is prose or a config line (`cost: 5 $ per month`), not a prompt.
  if (who !== '' && !/[@\]:]/.test(who) && !/^[\w.-]+$/.test(who) && !/^[~/]/.test(who)) return null;
  if (sigil === '#' && (who === '' || !/[@:\]]/.test(who)) && !ROOT_COMMANDS.test(command)) return null;
  if (sigil === '%' && who === '') return null;
  // `<tag>$ …` with a bare word before the sigil is only a prompt when that word is a host-like name.
  if (who !== '' && !/[@\]:]/.test(who) && sigil !== '#' && sigil !== '❯' && !ROOT_COMMANDS.test(command)) return null;
  return { command, host: hostOf(who) };
}

/** True when the command reads the kernel log through a filter (`dmesg | grep -i tsc`): absent lines prove nothing. */
export function isFiltered(command: string | null): boolean {
  return command !== null && /\|\s*(?:e|z)?grep\b|\bgrep\b.*\b(?:kern\.log|messages|syslog|dmesg)\b|journalctl\b.*\s(?:-g|--grep)\b/.test(command);
}

const isDigitByte = (b: number | undefined): boolean => b !== undefined && b >= 48 && b <= 57;
const isLetterByte = (b: number | undefined): boolean => b !== undefined && ((b | 32) >= 97 && (b | 32) <= 122);

/** Bytes the UNIX pattern's who-part can span before its sigil: a bracketed 1+64+2×65+1, plus room. */
const WHO_SPAN = 256;
/** Blanks a prompt has before its sigil: two separators in a bracketed who-part and the one `\s?`. */
const MAX_BLANKS = 3;

/** After `(HH:MM)` or `(HH:MM:SS)` at `i` (the CLOCK group), or `i` when there is none. */
function afterClock(buf: Uint8Array, i: number, end: number): number {
  if (buf[i] !== 40 || end - i < 7) return i;
  const d2 = (k: number): boolean => isDigitByte(buf[k]) && isDigitByte(buf[k + 1]);
  if (!(d2(i + 1) && buf[i + 3] === 58 && d2(i + 4))) return i;
  let k = i + 6;
  if (buf[k] === 58 && d2(k + 1)) k += 3;
  return buf[k] === 41 ? k + 1 : i;
}

/**
 * Could `buf[start, end)` be a line `parsePrompt` accepts? A necessary condition on the raw bytes, so
 * the router decodes only lines that may be prompts, not every kernel line with a `#` or a `%` in it.
 * It follows the patterns above: after leading blanks and an optional
 * clock, a UNIX prompt's who-part holds at most two blanks (a bracketed one's separators), then one
 * optional blank and the sigil, then a command; a PowerShell prompt starts `C:\` or `PS C:\`. Any
 * non-ASCII byte before the sigil answers yes (a Unicode space that `\s` matches, `❯ ➜ λ`). Checked
 * against `parsePrompt` on every fixture line and on generated prompts (test/evidence/prompt.test.ts).
 */
export function mayBePrompt(buf: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end && isAsciiSpace(buf[i]!)) i++;
  if (i >= end) return false;
  // PowerShell: `[A-Za-z]:\`, perhaps after `PS `.
  const ps = buf[i] === 80 && buf[i + 1] === 83 && buf[i + 2] === 32 ? i + 3 : i;
  if (isLetterByte(buf[ps]) && buf[ps + 1] === 58 && buf[ps + 2] === 92) return true;
  i = afterClock(buf, i, end);
  while (i < end && isAsciiSpace(buf[i]!)) i++;
  let blanks = 0;
  const lim = Math.min(end, i + WHO_SPAN);
  for (let k = i; k < lim; k++) {
    const b = buf[k]!;
    if (b >= 0x80) return true;
    if (b === 36 || b === 35 || b === 37) {
      // `\s*(\S.*)$`: a command must follow.
      for (let j = k + 1; j < end; j++) if (!isAsciiSpace(buf[j]!)) return true;
      return false;
    }
    // The who-part never holds `>`; a blank too many and it is prose, not a prompt.
    if (b === 62) return false;
    if (isAsciiSpace(b) && ++blanks > MAX_BLANKS) return false;
  }
  return false;
}
