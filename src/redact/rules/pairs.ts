/**
 * Key/value pairs in text whose key names a secret (keywords.ts):
 *   password=hunter2   --password=x   password: hunter2   password = "two words"   ?user=a&token=abc&x=1
 *   "password":"x"  and  \"password\":\"x\" (JSON, and JSON inside a JSON string)   user[password]=x
 *   token%3Dabc (a query string inside an encoded parameter)   Authorization: Basic dXNlcg== (scheme + token)
 *   --db-password hunter2 (a command-line flag, then a space and its value)
 * After `"key":` (JSON) the whole JSON value is taken, whatever its type: a string's content (its quotes
 * stay), or a number, object or array, replaced by a quoted string so the JSON stays valid; true, false and
 * null are left. Elsewhere the value is a quoted string, or runs to a space or one of & , ; ' " ) ] } < > | \.
 * Linear: the key lookback stops at the first character a key cannot hold, and the scan resumes after a
 * value it took.
 */
import type { MatchList } from '../matches';
import { WRAP_ESCAPED_QUOTE, WRAP_NONE, WRAP_QUOTE } from '../matches';
import { isDigit, isSpace, startsWithCi } from './chars';
import { KEY_AWS_SECRET, KEY_NONE, isKeyChar, type KeyClass, type KeyMatcher } from './keywords';

/** Rule indices for what a pair can be, -1 when that rule is off. */
export interface PairRules {
  readonly sensitiveKey: number;
  readonly awsSecret: number;
  readonly secretPair: number;
}

// Scratch results of the last lookback (no allocation per separator).
let keyQuote = 0; // the quote closing the key, 0 if none
let keyEscaped = false; // the quote was \" (JSON inside a JSON string)
let lookSteps = 0;

/**
 * The class of the key just before the separator at p (skipping spaces and a closing quote or bracket).
 * Also used by the pre-check.
 */
export function keyBefore(s: string, p: number, keys: KeyMatcher): KeyClass {
  let j = p;
  const stop = Math.max(0, p - 8);
  while (j > stop && (s.charCodeAt(j - 1) === 32 || s.charCodeAt(j - 1) === 9)) j--;
  keyQuote = 0;
  keyEscaped = false;
  const c = s.charCodeAt(j - 1);
  if (c === 34 || c === 39) {
    keyQuote = c;
    j--;
    if (s.charCodeAt(j - 1) === 92) {
      keyEscaped = true;
      j--;
    }
  } else if (c === 93) {
    // user[password]=x: the key is inside the last brackets
    const open = s.lastIndexOf('[', j - 1);
    if (open === -1 || j - open > 64) return KEY_NONE;
    lookSteps += j - open;
    return keys.classify(s, j - 1, open + 1);
  }
  lookSteps += p - j + 1;
  return keys.classify(s, j, 0);
}

function isTerminator(c: number): boolean {
  return isSpace(c) || c === 38 || c === 44 || c === 59 || c === 34 || c === 39 || c === 41 || c === 93 || c === 125 ||
    c === 60 || c === 62 || c === 124 || c === 92;
}

const AUTH_SCHEMES = ['basic', 'bearer', 'digest', 'negotiate', 'ntlm', 'token', 'aws4-hmac-sha256'];

// Span of the last value found.
let vStart = 0;
let vEnd = 0;
let vWrap = WRAP_NONE;

/** End of a JSON string whose content starts at i (index of its closing quote, or n). */
function jsonStringEnd(s: string, i: number, escaped: boolean): number {
  const n = s.length;
  if (!escaped) {
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === 92) i++;
      else if (c === 34) return i;
    }
    return n;
  }
  // Inside a JSON string, the inner strings are delimited by \" and their own quotes are \\\".
  for (; i < n; i++) {
    if (s.charCodeAt(i) === 34 && s.charCodeAt(i - 1) === 92 && s.charCodeAt(i - 2) !== 92) return i - 1;
  }
  return n;
}

/** A JSON value at v (spaces skipped): sets vStart/vEnd/vWrap; false for true/false/null or nothing. */
function jsonValue(s: string, v: number, escaped: boolean): boolean {
  const n = s.length;
  const c = s.charCodeAt(v);
  if (escaped && c === 92 && s.charCodeAt(v + 1) === 34) {
    vStart = v + 2;
    vEnd = jsonStringEnd(s, vStart, true);
    vWrap = WRAP_NONE;
    return true;
  }
  if (c === 34) {
    vStart = v + 1;
    vEnd = jsonStringEnd(s, vStart, false);
    vWrap = WRAP_NONE;
    return true;
  }
  vWrap = escaped ? WRAP_ESCAPED_QUOTE : WRAP_QUOTE;
  vStart = v;
  if (c === 123 || c === 91) {
    let depth = 0;
    let i = v;
    for (; i < n; i++) {
      const d = s.charCodeAt(i);
      if (d === 34 && (!escaped || s.charCodeAt(i - 1) === 92)) {
        i = jsonStringEnd(s, i + 1, escaped);
        if (escaped) i++; // past the quote of \"
      } else if (d === 123 || d === 91) depth++;
      else if (d === 125 || d === 93) {
        if (--depth === 0) break;
      }
    }
    vEnd = Math.min(i + 1, n);
    return true;
  }
  if (isDigit(c) || c === 45) {
    let i = v + 1;
    while (i < n) {
      const d = s.charCodeAt(i);
      if (!(isDigit(d) || d === 46 || d === 101 || d === 69 || d === 43 || d === 45)) break;
      i++;
    }
    vEnd = i;
    return true;
  }
  return false;
}

/** A value in text at v: quoted, or up to a terminator; with percent, `%26`/`%20` also end it. */
function textValue(s: string, v: number, percent: boolean): boolean {
  const n = s.length;
  const c = s.charCodeAt(v);
  vWrap = WRAP_NONE;
  if (c === 34 || c === 39) {
    const close = s.indexOf(c === 34 ? '"' : "'", v + 1);
    if (close !== -1) {
      vStart = v + 1;
      vEnd = close;
      return close > vStart;
    }
    v++; // unterminated: take what follows as an unquoted value
  } else if (c === 92 && s.charCodeAt(v + 1) === 34) {
    vStart = v + 2;
    vEnd = jsonStringEnd(s, vStart, true);
    return vEnd > vStart;
  }
  const c0 = s.charCodeAt(v);
  if (c0 === 61 || c0 === 62 || c0 === 58) return false; // `==`, `=>`, `::`: code, not a pair
  if (s.startsWith('[REDACTED:', v) || s.startsWith('[HASH:', v)) return false;
  let e = v;
  while (e < n) {
    const d = s.charCodeAt(e);
    if (isTerminator(d)) break;
    if (percent && d === 37 && s.charCodeAt(e + 1) === 50 && (s.charCodeAt(e + 2) === 54 || s.charCodeAt(e + 2) === 48)) break;
    e++;
  }
  if (e === v) return false;
  // `Authorization: Basic <token>`: the scheme alone is no secret, the token after it is.
  if (s.charCodeAt(e) === 32 && e + 1 < n && !isTerminator(s.charCodeAt(e + 1))) {
    for (const scheme of AUTH_SCHEMES) {
      if (e - v === scheme.length && startsWithCi(s, v, scheme)) {
        e++;
        while (e < n && !isTerminator(s.charCodeAt(e))) e++;
        break;
      }
    }
  }
  vStart = v;
  vEnd = e;
  return true;
}

/**
 * `--flag value` at i (the first dash): the index of the space before the value when the flag names a
 * secret, else -1. Flags followed by `=` are left to the separator scan.
 */
export function flagBefore(s: string, i: number, keys: KeyMatcher): number {
  if (i > 0 && isKeyChar(s.charCodeAt(i - 1))) return -1;
  let e = i + 2;
  while (e < s.length && e - i < 64 && isKeyChar(s.charCodeAt(e))) e++;
  lookSteps += e - i;
  if (s.charCodeAt(e) !== 32 || e === i + 2) return -1;
  return keys.classify(s, e, i + 2) === KEY_NONE ? -1 : e;
}

export function findPairs(s: string, out: MatchList, keys: KeyMatcher, rules: PairRules): number {
  const n = s.length;
  lookSteps = 0;
  let steps = n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    let sepLen = 1;
    if (c === 45 && s.charCodeAt(i + 1) === 45 && rules.secretPair >= 0) {
      const space = flagBefore(s, i, keys);
      const nextIsFlag = s.charCodeAt(space + 1) === 45 && s.charCodeAt(space + 2) === 45;
      if (space !== -1 && !nextIsFlag && textValue(s, space + 1, false) && vEnd > vStart) {
        out.push(vStart, vEnd, rules.secretPair);
        i = vEnd - 1;
      }
      continue;
    }
    if (c === 37) {
      if (s.charCodeAt(i + 1) !== 51 || (s.charCodeAt(i + 2) | 32) !== 100) continue; // %3D / %3d
      sepLen = 3;
    } else if (c !== 61 && c !== 58) continue;
    const cls = keyBefore(s, i, keys);
    if (cls === KEY_NONE) continue;
    const json = c === 58 && keyQuote === 34;
    let rule: number;
    if (cls === KEY_AWS_SECRET && rules.awsSecret >= 0) rule = rules.awsSecret;
    else if (json && rules.sensitiveKey >= 0) rule = rules.sensitiveKey;
    else rule = rules.secretPair;
    if (rule < 0) continue;
    let v = i + sepLen;
    while (v < n && v - i < 16 && (s.charCodeAt(v) === 32 || s.charCodeAt(v) === 9)) v++;
    const found = json ? jsonValue(s, v, keyEscaped) : textValue(s, v, sepLen === 3);
    if (!found || vEnd <= vStart) continue;
    out.push(vStart, vEnd, rule, vWrap);
    steps += vEnd - i;
    i = vEnd - 1;
  }
  return steps + lookSteps;
}
