/**
 * The cheap pre-check: finds which rule families have a candidate, so a string with none (most strings)
 * never runs a detector. Candidates:
 *   card    13+ digits joined by single spaces or dashes in a card layout (bare, 4-4-4.., 4-6-4/5)
 *   at      `@` (e-mail; URL credentials need it too)     url  `://` (looked for only when there is an `@`)
 *   jwt     `eyJ`            awsid  `AKIA` / `ASIA`          pem  `-----BEGIN `
 *   bearer  `earer` or `EARER` (Bearer, bearer, BEARER)
 *   pair    `=`, `:` or `%3D` right after a key that names a secret (keywords.ts; the last one or two
 *           characters of the key reject most, e.g. the digits before the colons of a timestamp), or a
 *           `--flag ` naming one
 * Long strings are scanned natively: `indexOf` (memchr on one-byte strings) and two regexes compiled once
 * per rule set, which V8 runs as machine code that skips ahead on text that cannot start a match; no
 * JavaScript loop reads every character. Short strings (parsed field values) are read once by a loop, which
 * costs less than the calls. Every gate is a necessary condition of its detector finding something, and
 * where the documented test is looser than the detector (bearer, pair) the family is then decided by that
 * test exactly: redaction results do not depend on how the pre-check is written
 * (test/redact/precheck.test.ts compares it with a plain reference).
 */
import type { KeyMatcher } from './rules/keywords';
import { KEY_NONE } from './rules/keywords';
import { isAlnum } from './rules/chars';
import { flagBefore, keyBefore } from './rules/pairs';

export const F_CARD = 1;
export const F_AT = 2;
export const F_JWT = 4;
export const F_AWSID = 8;
export const F_PEM = 16;
export const F_PAIR = 32;
export const F_BEARER = 64;
export const F_URL = 128;

/**
 * Every card layout the detector accepts (payment-card.ts: 13-19 bare digits; 4-4-4-1..4 and 4-4-4-4-1..3;
 * 4-6-5 and 4-6-4) holds one of these, so a string without any has no card. `\d` written four times: V8
 * compiles `\d{4}` into a slower loop.
 */
const CARD = /\d\d\d\d(?:\d\d\d\d\d\d\d\d\d|[ -]\d\d\d\d(?:[ -]\d\d\d\d|\d\d[ -]\d\d\d\d))/;
const CARD_MIN_LENGTH = 13;

/**
 * The shortest text in which each rare-token family can match: jwt `eyJxxxxxxx.xx.` 14, bearer
 * `bearer xxxxxxxx` 15, aws key id 20, private key `-----BEGIN PRIVATE KEY-----` 27. Shorter strings
 * (most parsed field values) only need the pair tests for `%3D` and `--flag`, done with indexOf.
 */
const RARE_MIN_LENGTH = 14;

/**
 * `%3D` after a key, or `--flag ` naming a secret: a `--` not after a key character (as flagBefore
 * requires), then at most 62 key characters (flagBefore reads up to 63 past the first dash), at least one
 * a letter or digit (a keyword; separators, also at the end, are ignored), then a space. Bounded, so a run
 * of dashes costs a constant per dash.
 */
const PAIR_RARE = String.raw`%3[dD]|--(?<![\w.-]--)(?=[\w.-]{0,62} )[_.-]*[A-Za-z0-9]`;

/** The union of the rare tokens of the wanted families, or undefined when none is wanted. */
function rareTokens(want: number): RegExp | undefined {
  const alt: string[] = [];
  if (want & F_JWT) alt.push('eyJ');
  if (want & F_AWSID) alt.push('A[KS]IA');
  if (want & F_PEM) alt.push('-----BEGIN ');
  if (want & F_BEARER) alt.push('earer|EARER');
  if (want & F_PAIR) alt.push(PAIR_RARE);
  return alt.length === 0 ? undefined : new RegExp(alt.join('|'));
}

/**
 * Whether keyBefore(s, p) can find a key: when a letter or digit ends the key right before the separator,
 * or before a quote or bracket closing it (`"key":`, `user[key]=`), its last one or two characters decide
 * (KeyMatcher.mayEndAt). Spaces and escaped quotes are left to keyBefore.
 */
function mayHaveKey(s: string, p: number, keys: KeyMatcher): boolean {
  let end = p;
  let c = s.charCodeAt(end - 1);
  if (c === 34 || c === 39 || c === 93) c = s.charCodeAt(--end - 1);
  return !isAlnum(c) || keys.mayEndAt(s, end);
}

/** True when some `=`, or `:` not followed by `/`, follows a key naming a secret. */
function pairAtSeparator(s: string, keys: KeyMatcher): boolean {
  for (let i = s.indexOf('='); i !== -1; i = s.indexOf('=', i + 1)) {
    if (mayHaveKey(s, i, keys) && keyBefore(s, i, keys) !== KEY_NONE) return true;
  }
  for (let i = s.indexOf(':'); i !== -1; i = s.indexOf(':', i + 1)) {
    if (s.charCodeAt(i + 1) !== 47 && mayHaveKey(s, i, keys) && keyBefore(s, i, keys) !== KEY_NONE) return true;
  }
  return false;
}

/** True when some `%3D` follows a key naming a secret, or a `--flag ` names one. */
function pairRare(s: string, keys: KeyMatcher): boolean {
  for (let i = s.indexOf('%3'); i !== -1; i = s.indexOf('%3', i + 1)) {
    if ((s.charCodeAt(i + 2) | 32) === 100 && keyBefore(s, i, keys) !== KEY_NONE) return true;
  }
  for (let i = s.indexOf('--'); i !== -1; i = s.indexOf('--', i + 2)) if (flagBefore(s, i, keys) !== -1) return true;
  return false;
}

/**
 * Strings shorter than this (most parsed field values) are first read by one JavaScript loop: below it, a
 * few native calls cost more than reading every character, above it less.
 */
const SHORT_LENGTH = 32;
const T_DIGIT = 1;
const T_ANY = 2; // a character that may start a candidate of some family: run the full pre-check
const T_DASH = 3; // `--`: a flag or `-----BEGIN `
const T_UPPER_A = 4; // `AK`/`AS`: an AWS key id
/**
 * What each ASCII character may start: `@` (e-mail, URL credentials), `= : %` (pairs, `%3D`), `J` (the
 * `eyJ` of a JWT), `b B` (a bearer token needs `bearer`, any case), and the table entries above. Any
 * candidate of any family holds one of them (a card holds 13 digits).
 */
const SHORT_TABLE = new Uint8Array(128);
for (const c of '@=:%JbB') SHORT_TABLE[c.charCodeAt(0)] = T_ANY;
for (let c = 48; c <= 57; c++) SHORT_TABLE[c] = T_DIGIT;
SHORT_TABLE[45] = T_DASH;
SHORT_TABLE[65] = T_UPPER_A;

/** The pre-check of one rule set: which families can have a candidate in a string. Built once at load. */
export class Precheck {
  readonly #keys: KeyMatcher;
  readonly #want: number;
  readonly #rare: RegExp | undefined;

  constructor(keys: KeyMatcher, want: number) {
    this.#keys = keys;
    this.#want = want;
    this.#rare = rareTokens(want);
  }

  /** The F_* families this pre-check looks for (the native gate is configured from it: src/native/gate-config.ts). */
  get want(): number {
    return this.#want;
  }

  /** Families with a candidate in s (F_* bits), among the wanted ones. */
  flags(s: string): number {
    return s.length < SHORT_LENGTH ? this.#short(s) : this.#full(s);
  }

  /** A short string: one loop finds whether any family may have a candidate; most have none. */
  #short(s: string): number {
    const n = s.length;
    let digits = 0;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 128) continue;
      const t = SHORT_TABLE[c];
      if (t === 0) continue;
      if (t === T_DIGIT) digits++;
      else if (t === T_ANY) return this.#full(s);
      else if (t === T_DASH) {
        if (s.charCodeAt(i + 1) === 45) return this.#full(s);
      } else {
        const d = s.charCodeAt(i + 1);
        if (d === 75 || d === 83) return this.#full(s);
      }
    }
    return (this.#want & F_CARD) !== 0 && digits >= CARD_MIN_LENGTH && CARD.test(s) ? F_CARD : 0;
  }

  #full(s: string): number {
    const want = this.#want;
    const keys = this.#keys;
    let f = 0;
    if ((want & F_AT) !== 0 && s.indexOf('@') !== -1) {
      f |= F_AT;
      if ((want & F_URL) !== 0 && s.indexOf('://') !== -1) f |= F_URL;
    }
    if ((want & F_CARD) !== 0 && s.length >= CARD_MIN_LENGTH && CARD.test(s)) f |= F_CARD;
    if ((want & F_PAIR) !== 0 && pairAtSeparator(s, keys)) f |= F_PAIR;
    if (s.length >= RARE_MIN_LENGTH) {
      if (this.#rare !== undefined && this.#rare.test(s)) f |= this.#rareFamilies(s, f);
    } else if ((want & F_PAIR) !== 0 && (f & F_PAIR) === 0 && pairRare(s, keys)) {
      f |= F_PAIR;
    }
    return f;
  }

  /** After a rare-token hit: exactly which families have one (the tests of the documented pre-check). */
  #rareFamilies(s: string, found: number): number {
    const want = this.#want;
    let f = 0;
    if ((want & F_JWT) !== 0 && s.indexOf('eyJ') !== -1) f |= F_JWT;
    if ((want & F_AWSID) !== 0 && (s.indexOf('AKIA') !== -1 || s.indexOf('ASIA') !== -1)) f |= F_AWSID;
    if ((want & F_PEM) !== 0 && s.indexOf('-----BEGIN ') !== -1) f |= F_PEM;
    if ((want & F_BEARER) !== 0 && (s.indexOf('earer') !== -1 || s.indexOf('EARER') !== -1)) f |= F_BEARER;
    if ((want & F_PAIR) !== 0 && (found & F_PAIR) === 0 && pairRare(s, this.#keys)) f |= F_PAIR;
    return f;
  }
}
