/**
 * A multiline start pattern (a JavaScript RegExp) as a pattern of Rust's `regex` crate that matches exactly
 * the same lines (`Regex::is_match` on the line's UTF-8 text equals `RegExp.test` on the decoded string),
 * or undefined when that cannot be promised: the file's lines are then joined in JavaScript.
 *
 * JavaScript without the `u` flag sees UTF-16 units; Rust sees code points. The two agree on everything but
 * characters beyond U+FFFF (two units in JavaScript), so what is accepted is what cannot tell them apart:
 * - literal characters of the Basic Multilingual Plane; escapes of punctuation; `\t`;
 * - `\d \w \s` and classes of literal characters and ranges, written out as explicit sets (JavaScript's
 *   `\d`/`\w` are ASCII, its `\s` a fixed list that differs from Rust's Unicode White_Space);
 * - "negated" atoms that an astral character could match, `\D \W \S`, `[^...]` and `.` (not a line
 *   terminator), only where a run of them is as good as one of them: followed by `+` or `*`, or at the very
 *   end of the pattern, and outside groups;
 * - `^` at the start, `$` at the end, groups `(...)` and `(?:...)`, alternation, quantifiers `? * + {n,m}`
 *   (greedy or lazy) on the other atoms;
 * - the flag `i` only on patterns of ASCII letters, digits and punctuation without negated atoms (then
 *   matched with ASCII case folding, as JavaScript folds without `u`).
 */

/** JavaScript's `\s` without the u flag: WhiteSpace and LineTerminator code points. */
const JS_SPACE = String.raw`\t\n\x0B\f\r \x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}`;
const DIGIT = '0-9';
const WORD = '0-9A-Za-z_';
/** JavaScript's `.` without the s flag: anything but a line terminator. */
const DOT = String.raw`[^\n\r\x{2028}\x{2029}]`;

/** One character as a Rust regex literal (escaped when it is not a plain letter, digit or space). */
function lit(code: number): string {
  const c = String.fromCharCode(code);
  return /[A-Za-z0-9 _]/.test(c) ? c : `\\x{${code.toString(16)}}`;
}

export function rustStartPattern(re: RegExp): string | undefined {
  const flags = re.flags.replace(/[gy]/g, '');
  if (flags !== '' && flags !== 'i') return undefined;
  const fold = flags === 'i';
  const src = re.source;
  let out = '';
  let depth = 0;
  /** The negated atom just written must be followed by + or *, or end the pattern. */
  const negatedOk = (next: number) => {
    if (depth > 0 || fold) return false;
    if (next >= src.length) return true;
    const q = src[next];
    return q === '+' || q === '*';
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    const code = c.charCodeAt(0);
    if (c === '\\') {
      const n = src[i + 1];
      if (n === undefined) return undefined;
      i++;
      if (n === 'd') out += `[${DIGIT}]`;
      else if (n === 'w') out += `[${WORD}]`;
      else if (n === 's' && !fold) out += `[${JS_SPACE}]`;
      else if (n === 'D' || n === 'W' || n === 'S') {
        if (!negatedOk(i + 1)) return undefined;
        out += `[^${n === 'D' ? DIGIT : n === 'W' ? WORD : JS_SPACE}]`;
      } else if (n === 't') out += '\\t';
      else if (/[\\^$.|?*+()[\]{}/-]/.test(n)) out += lit(n.charCodeAt(0));
      else return undefined; // \b, \B, \u, \x, \c, back-references, ...
      continue;
    }
    if (c === '[') {
      const end = classEnd(src, i);
      if (end < 0) return undefined;
      const negated = src[i + 1] === '^';
      const members = classMembers(src.slice(i + (negated ? 2 : 1), end), fold);
      if (members === undefined) return undefined;
      if (negated && !negatedOk(end + 1)) return undefined;
      out += `[${negated ? '^' : ''}${members}]`;
      i = end;
      continue;
    }
    if (c === '.') {
      if (!negatedOk(i + 1)) return undefined;
      out += DOT;
      continue;
    }
    if (c === '(') {
      if (src[i + 1] === '?') {
        if (src[i + 2] !== ':') return undefined; // lookaround, named groups
        i += 2;
      }
      out += '(?:';
      depth++;
      continue;
    }
    if (c === ')') {
      if (depth === 0) return undefined;
      depth--;
      out += ')';
      continue;
    }
    if (c === '^') {
      if (i !== 0) return undefined;
      out += '^';
      continue;
    }
    if (c === '$') {
      if (i !== src.length - 1) return undefined;
      out += '$';
      continue;
    }
    if (c === '{') {
      const m = /^\{(\d{1,3})(,(\d{1,3})?)?\}/.exec(src.slice(i));
      if (!m) return undefined;
      out += m[0];
      i += m[0].length - 1;
      continue;
    }
    if (c === '|' || c === '*' || c === '+' || c === '?') {
      out += c;
      continue;
    }
    if (c === '}' || c === ']') return undefined;
    if (code >= 0xd800 && code <= 0xdfff) return undefined; // a unit of an astral character
    if (fold && code > 0x7f) return undefined;
    out += lit(code);
  }
  if (depth !== 0) return undefined;
  return fold ? `(?i-u)${out}` : out;
}

/** Index of the `]` closing the class opened at `open`, or -1 (also for `[]` and `[^]`). */
function classEnd(src: string, open: number): number {
  const first = src[open + 1] === '^' ? open + 2 : open + 1;
  for (let i = first; i < src.length; i++) {
    if (src[i] === '\\') i++;
    else if (src[i] === ']') return i === first ? -1 : i;
  }
  return -1;
}

/** The members of a class (between `[` or `[^` and `]`) for Rust, or undefined. */
function classMembers(body: string, fold: boolean): string | undefined {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    const code = c.charCodeAt(0);
    if (c === '\\') {
      const n = body[i + 1];
      if (n === undefined) return undefined;
      i++;
      if (n === 'd') out += DIGIT;
      else if (n === 'w') out += WORD;
      else if (n === 's' && !fold) out += JS_SPACE;
      else if (n === 't') out += '\\t';
      else if (/[\\^$.|?*+()[\]{}/-]/.test(n)) out += lit(n.charCodeAt(0));
      else return undefined;
      continue;
    }
    if (c === '-' && i > 0 && i < body.length - 1) {
      // a range: both ends must be plain characters
      const prev = body[i - 1] as string;
      const next = body[i + 1] as string;
      if (prev === '\\' || next === '\\' || body[i - 2] === '\\' || next === '[') return undefined;
      out += '-';
      continue;
    }
    if (code >= 0xd800 && code <= 0xdfff) return undefined;
    if (fold && code > 0x7f) return undefined;
    if (c === '[') return undefined; // JavaScript takes it literally; keep it simple
    out += lit(code);
  }
  return out;
}
