/**
 * Token-shaped secrets found by their fixed prefix, each with a hand-written linear scan:
 * - jwt: `eyJ` + base64url (10+ chars in all) `.` base64url (2+) `.` optional base64url signature, not
 *   preceded by a base64url character;
 * - bearer_token: `bearer` (any case, as a word) then spaces, `+` or `%20`, then a token that looks like one;
 * - aws_access_key_id: `AKIA`/`ASIA` + 16 of A-Z 0-9, as a whole word.
 * Every scan resumes after what it read, so each character is read a bounded number of times.
 */
import type { MatchList } from '../matches';
import { isAlnum, isBase64Url, isDigit, isTokenChar, lower, startsWithCi } from './chars';

/** Index after the base64url run starting at i. */
function b64End(s: string, i: number): number {
  const n = s.length;
  while (i < n && isBase64Url(s.charCodeAt(i))) i++;
  return i;
}

export function findJwts(s: string, out: MatchList, rule: number): number {
  let steps = 0;
  let from = 0;
  for (;;) {
    const at = s.indexOf('eyJ', from);
    steps += (at === -1 ? s.length : at) - from;
    if (at === -1) return steps;
    const h = b64End(s, at + 3);
    steps += h - at;
    from = h;
    if (at > 0 && isBase64Url(s.charCodeAt(at - 1))) continue;
    if (h - at < 10 || s.charCodeAt(h) !== 46) continue;
    const p = b64End(s, h + 1);
    steps += p - h;
    from = p;
    if (p - h - 1 < 2 || s.charCodeAt(p) !== 46) continue;
    const sig = b64End(s, p + 1);
    steps += sig - p;
    from = sig;
    out.push(at, sig, rule);
  }
}

const MIN_TOKEN = 8;
const ALWAYS_TOKEN = 20;

export function findBearerTokens(s: string, out: MatchList, rule: number): number {
  const n = s.length;
  let steps = 0;
  for (let i = 0; i + 6 < n; i++) {
    steps++;
    if (lower(s.charCodeAt(i)) !== 98 /* b */ || !startsWithCi(s, i + 1, 'earer')) continue;
    if (i > 0 && isAlnum(s.charCodeAt(i - 1))) continue;
    let t = i + 6;
    const gapStart = t;
    for (;;) {
      const c = s.charCodeAt(t);
      if (c === 32 || c === 9 || c === 43) t++;
      else if (c === 37 && s.charCodeAt(t + 1) === 50 && s.charCodeAt(t + 2) === 48) t += 3; // %20
      else break;
      if (t - gapStart > 8) break;
    }
    if (t === gapStart || t - gapStart > 8) continue;
    let e = t;
    let shaped = false;
    while (e < n && isTokenChar(s.charCodeAt(e))) {
      const c = s.charCodeAt(e);
      if (!shaped && !(c >= 65 && c <= 90) && !(c >= 97 && c <= 122)) shaped = true; // a digit or punctuation
      e++;
    }
    steps += e - i;
    const len = e - t;
    if (len >= ALWAYS_TOKEN || (len >= MIN_TOKEN && shaped)) {
      out.push(t, e, rule);
    }
    i = Math.max(i, e - 1);
  }
  return steps;
}

function findKeyIds(s: string, prefix: string, out: MatchList, rule: number): number {
  let steps = 0;
  let from = 0;
  for (;;) {
    const at = s.indexOf(prefix, from);
    steps += (at === -1 ? s.length : at) - from;
    if (at === -1) return steps;
    from = at + 4;
    if (at > 0 && isAlnum(s.charCodeAt(at - 1))) continue;
    let e = at + 4;
    while (e < s.length && e - at < 21) {
      const c = s.charCodeAt(e);
      if (!((c >= 65 && c <= 90) || isDigit(c))) break;
      e++;
    }
    steps += e - at;
    if (e - at === 20 && !(e < s.length && isAlnum(s.charCodeAt(e)))) {
      out.push(at, e, rule);
      from = e;
    }
  }
}

export function findAwsKeyIds(s: string, out: MatchList, rule: number): number {
  return findKeyIds(s, 'AKIA', out, rule) + findKeyIds(s, 'ASIA', out, rule);
}
