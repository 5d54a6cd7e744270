/**
 * POSIX shell quoting for fix commands built from log text (a VM name, a path).
 *
 * Single quotes make everything literal in sh/bash/zsh, including `$()`, backticks, `;` and newlines;
 * a single quote inside is written as '\''. Safe words are left bare so commands stay readable.
 */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function shellQuote(word: string): string {
  if (word.length > 0 && SAFE.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Join words into one command line, quoting each. */
export function shellJoin(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}
