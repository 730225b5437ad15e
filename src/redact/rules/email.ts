/**
 * E-mail addresses: local@domain.tld. Found from each `@`: the local part is read backwards (at most 64
 * characters of A-Z a-z 0-9 . _ % + -), the domain forwards (at most 253 characters of labels of letters,
 * digits and dashes joined by dots), and the last label must be alphabetic, 2+ letters. Image names like
 * `logo@2x.png` are not addresses, nor is the user name of a URL (`https://user@host`, see url_credentials). Linear: a backward read stops at the previous `@` (not a local-part
 * character) and a forward read at the next one, so each character is read at most twice.
 */
import type { MatchList } from '../matches';
import { isAlnum, isAlpha, lower } from './chars';

const NOT_TLDS = new Set(['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'ico', 'bmp']);
const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;

function isLocalChar(c: number): boolean {
  return isAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
}

export function findEmails(s: string, out: MatchList, rule: number): number {
  const n = s.length;
  let steps = 0;
  let from = 0;
  for (;;) {
    const at = s.indexOf('@', from);
    steps += (at === -1 ? n : at) - from;
    if (at === -1) return steps;
    let a = at;
    while (a > 0 && at - a < MAX_LOCAL && isLocalChar(s.charCodeAt(a - 1))) a--;
    steps += at - a;
    while (a < at && s.charCodeAt(a) === 46) a++; // a local part does not start with a dot
    if (a >= 3 && s.startsWith('://', a - 3)) {
      from = at + 1;
      continue;
    }
    let b = at + 1;
    let lastDot = -1;
    while (b < n && b - at <= MAX_DOMAIN) {
      const c = s.charCodeAt(b);
      if (isAlnum(c) || c === 45) b++;
      else if (c === 46 && b > at + 1 && s.charCodeAt(b - 1) !== 46) {
        lastDot = b;
        b++;
      } else break;
    }
    steps += b - at;
    // Trailing dots and dashes end a sentence, not the domain.
    while (b > at + 1 && (s.charCodeAt(b - 1) === 46 || s.charCodeAt(b - 1) === 45)) b--;
    if (lastDot >= b) {
      lastDot = -1;
      for (let j = b - 1; j > at; j--) if (s.charCodeAt(j) === 46) {
        lastDot = j;
        break;
      }
    }
    if (a < at && lastDot > at + 1 && b - at <= MAX_DOMAIN && tldOk(s, lastDot + 1, b) && s.charCodeAt(at + 1) !== 45) {
      out.push(a, b, rule);
      from = b;
    } else {
      from = at + 1;
    }
  }
}

function tldOk(s: string, start: number, end: number): boolean {
  if (end - start < 2 || end - start > 24) return false;
  let tld = '';
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (!isAlpha(c)) return false;
    if (end - start <= 4) tld += String.fromCharCode(lower(c));
  }
  return !NOT_TLDS.has(tld);
}
