/**
 * POSIX shell quoting for fix commands built from log text (a VM name, a path).
 *
 * Single quotes make everything literal in sh/bash/zsh, including `$()`, backticks, `;` and newlines;
 * a single quote inside is written as '\''. Safe words are left bare so commands stay readable.
 *
 * Terminal control characters (ESC, CR, C1, DEL, bidi overrides) must not be printed raw even inside
 * quotes — the terminal would act on them before any shell sees them — yet pasting the command must
 * still pass the exact name. So each run of them is written as `"$(printf '\ooo')"`: POSIX, works in
 * dash as well as bash (unlike `$'…'`), and prints only ASCII. Newline and tab stay literal inside the
 * single quotes: they are harmless to a terminal and `$(…)` would strip a trailing newline.
 */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

// C0 except TAB and LF, DEL, C1, and the bidi controls that make a line read differently than it runs.
// eslint-disable-next-line no-control-regex
const CONTROL_RUN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+/g;

function singleQuoted(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function printfWord(run: string): string {
  const octal = [...Buffer.from(run, 'utf8')].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');
  return `"$(printf '${octal}')"`;
}

export function shellQuote(word: string): string {
  if (word.length > 0 && SAFE.test(word)) return word;
  if (!CONTROL_RUN.test(word)) return singleQuoted(word);
  CONTROL_RUN.lastIndex = 0;
  let out = '';
  let last = 0;
  for (const m of word.matchAll(CONTROL_RUN)) {
    if (m.index > last) out += singleQuoted(word.slice(last, m.index));
    out += printfWord(m[0]);
    last = m.index + m[0].length;
  }
  if (last < word.length) out += singleQuoted(word.slice(last));
  return out;
}

/** Join words into one command line, quoting each. */
export function shellJoin(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}
