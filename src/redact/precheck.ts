/**
 * The cheap pre-check: finds which rule families have a candidate, so a line with none (most lines) never
 * runs a detector. Candidates:
 *   card    13 digits, each optionally after one space or dash
 *   at      `@` (e-mail; URL credentials need it too)
 *   jwt     `eyJ`            awsid  `AKIA` / `ASIA`          pem  `-----BEGIN `
 *   url     `://`            bearer `earer` or `EARER` (Bearer, bearer, BEARER)
 *   pair    `=`, `:` or `%3D` right after a key that names a secret (keywords.ts; the last character of
 *           the key rejects most, e.g. the digits before the colons of a timestamp), or a `--flag ` naming one
 */
import type { KeyMatcher } from './rules/keywords';
import { KEY_NONE } from './rules/keywords';
import { flagBefore, keyBefore } from './rules/pairs';

export const F_CARD = 1;
export const F_AT = 2;
export const F_JWT = 4;
export const F_AWSID = 8;
export const F_PEM = 16;
export const F_PAIR = 32;
export const F_BEARER = 64;
export const F_URL = 128;

const inRun = (c: number): boolean => (c >= 48 && c <= 57) || c === 32 || c === 45;

/**
 * 13+ digits in a run of digits, spaces and dashes (a superset of the card layouts). Such a run is 13+
 * characters long, so it contains a multiple of 13: only every 13th character is read, and a run is
 * measured only around one that is a digit, space or dash. Reads about a third of a typical line.
 */
function digitRun(s: string): boolean {
  const n = s.length;
  let next = 12;
  while (next < n) {
    if (!inRun(s.charCodeAt(next))) {
      next += 13;
      continue;
    }
    let a = next;
    while (a > 0 && inRun(s.charCodeAt(a - 1))) a--;
    let b = next + 1;
    while (b < n && inRun(s.charCodeAt(b))) b++;
    if (b - a >= 13) {
      let digits = 0;
      for (let i = a; i < b; i++) {
        const c = s.charCodeAt(i);
        if (c >= 48 && c <= 57) {
          if (++digits === 13) return true;
        } else if (c !== 32 && c !== 45) digits = 0;
      }
    }
    next = b + 13;
  }
  return false;
}

/** True when some `=`, `:`, `%3D` or `--flag ` follows a key naming a secret. */
function pairCandidate(s: string, keys: KeyMatcher): boolean {
  for (let i = s.indexOf('='); i !== -1; i = s.indexOf('=', i + 1)) if (keyBefore(s, i, keys) !== KEY_NONE) return true;
  for (let i = s.indexOf(':'); i !== -1; i = s.indexOf(':', i + 1)) {
    if (s.charCodeAt(i + 1) !== 47 && keyBefore(s, i, keys) !== KEY_NONE) return true;
  }
  for (let i = s.indexOf('%3'); i !== -1; i = s.indexOf('%3', i + 1)) {
    if ((s.charCodeAt(i + 2) | 32) === 100 && keyBefore(s, i, keys) !== KEY_NONE) return true;
  }
  for (let i = s.indexOf('--'); i !== -1; i = s.indexOf('--', i + 2)) if (flagBefore(s, i, keys) !== -1) return true;
  return false;
}

/**
 * Families with a candidate in s, restricted to `want`. Each test is a native string search (memchr-speed
 * on one-byte strings), which beats a JavaScript loop over every character by several times.
 */
export function precheck(s: string, keys: KeyMatcher, want: number): number {
  let f = 0;
  if ((want & F_AT) !== 0 && s.indexOf('@') !== -1) f |= F_AT;
  if ((want & F_URL) !== 0 && s.indexOf('://') !== -1) f |= F_URL;
  if ((want & F_JWT) !== 0 && s.indexOf('eyJ') !== -1) f |= F_JWT;
  if ((want & F_AWSID) !== 0 && (s.indexOf('AKIA') !== -1 || s.indexOf('ASIA') !== -1)) f |= F_AWSID;
  if ((want & F_PEM) !== 0 && s.indexOf('-----BEGIN ') !== -1) f |= F_PEM;
  if ((want & F_BEARER) !== 0 && (s.indexOf('earer') !== -1 || s.indexOf('EARER') !== -1)) f |= F_BEARER;
  if ((want & F_CARD) !== 0 && digitRun(s)) f |= F_CARD;
  if ((want & F_PAIR) !== 0 && pairCandidate(s, keys)) f |= F_PAIR;
  return f;
}
