/**
 * Text from inputs must never reach a terminal raw: an ESC sequence in a log could recolour, move the
 * cursor, retitle the window or worse. Everything quoted from input goes through `printable`.
 */

// C0 controls except TAB, DEL, and C1 controls (0x80–0x9f, which some terminals treat as CSI etc.),
// plus Unicode bidi overrides that can make a pasted command read differently than it runs.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Replace control characters with visible escapes (`\x1b`, `\n`), keeping everything else. */
export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    const code = c.codePointAt(0) ?? 0;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
