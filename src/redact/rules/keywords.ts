/**
 * Key names whose values are secrets, matched from the end of a key: lower-cased, with `_`, `-` and `.`
 * ignored, so `db_password`, `X-Api-Key`, `accessToken` and `AWS_SECRET_ACCESS_KEY` all match, while
 * `password_policy` (ends in "policy") and `max_tokens` (ends in "tokens") do not.
 * A reversed trie is walked backwards from the key's last character: the cost is bounded by the longest
 * keyword, whatever the input, and nothing is allocated.
 */

export const KEY_NONE = 0;
export const KEY_SECRET = 1;
export const KEY_AWS_SECRET = 2;
export type KeyClass = typeof KEY_NONE | typeof KEY_SECRET | typeof KEY_AWS_SECRET;

/** A key ending in one of these (normalised) is a secret key. */
export const SECRET_KEY_SUFFIXES = [
  'password', 'passwd', 'passphrase', 'secret', 'token', 'apikey', 'accesskey', 'secretkey', 'privatekey',
  'authorization', 'signature', 'credentials',
] as const;
/** Only the whole key (these are too short or common as suffixes: `bypass`, `oauth`). */
export const SECRET_KEY_EXACT = ['pass', 'pwd', 'auth', 'cookie', 'setcookie', 'sig'] as const;
/** Ends in one of these: the AWS secret rule takes it before the generic ones. */
export const AWS_SECRET_KEY_SUFFIXES = ['secretaccesskey'] as const;

interface Node {
  readonly next: (Node | undefined)[]; // 0-25 letters, 26-35 digits
  suffix: KeyClass;
  exact: KeyClass;
}

const newNode = (): Node => ({ next: new Array<Node | undefined>(36).fill(undefined), suffix: KEY_NONE, exact: KEY_NONE });

/** Index of a key character in the trie, -1 for a separator to skip, -2 for a character that ends the key. */
function slot(c: number): number {
  if (c >= 97 && c <= 122) return c - 97;
  if (c >= 65 && c <= 90) return c - 65;
  if (c >= 48 && c <= 57) return c - 48 + 26;
  if (c === 95 || c === 45 || c === 46) return -1;
  return -2;
}

/** True for characters that may be part of a key in text: letters, digits, `_`, `-`, `.`. */
export function isKeyChar(c: number): boolean {
  return slot(c) !== -2;
}

/** Normalise a configured key name the way keys are compared (lower case, separators dropped). */
export function normaliseKey(name: string): string {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const k = slot(name.charCodeAt(i));
    if (k >= 0) out += k < 26 ? String.fromCharCode(97 + k) : String.fromCharCode(48 + k - 26);
  }
  return out;
}

export class KeyMatcher {
  readonly #root = newNode();
  /** Characters visited by classify (linearity tests read it). */
  steps = 0;
  /** Last characters (lower case) that some keyword ends with: a one-lookup reject for most keys. */
  readonly #last = new Uint8Array(128);
  /** Last two characters (trie slots, second-last * 36 + last) that some keyword ends with; see mayEndAt. */
  readonly #lastTwo = new Uint8Array(36 * 36);

  /** The operator's extra key words (`extra_keys`), as given (the native gate is configured from them). */
  readonly extraKeys: readonly string[];

  constructor(extraSuffixes: readonly string[] = []) {
    this.extraKeys = [...extraSuffixes];
    for (const k of SECRET_KEY_SUFFIXES) this.#add(k, 'suffix', KEY_SECRET);
    for (const k of extraSuffixes) this.#add(normaliseKey(k), 'suffix', KEY_SECRET);
    for (const k of SECRET_KEY_EXACT) this.#add(k, 'exact', KEY_SECRET);
    for (const k of AWS_SECRET_KEY_SUFFIXES) this.#add(k, 'suffix', KEY_AWS_SECRET);
  }

  #add(word: string, how: 'suffix' | 'exact', cls: KeyClass): void {
    if (word === '') return;
    let node = this.#root;
    for (let i = word.length - 1; i >= 0; i--) {
      const k = slot(word.charCodeAt(i));
      if (k < 0) continue;
      node = node.next[k] ??= newNode();
    }
    node[how] = Math.max(node[how], cls) as KeyClass;
    const last = word.charCodeAt(word.length - 1);
    this.#last[last] = 1;
    if (last >= 97 && last <= 122) this.#last[last - 32] = 1;
    if (last >= 48 && last <= 57) this.#last[last] = 1;
    const k0 = slot(last);
    if (word.length === 1) for (let k1 = 0; k1 < 36; k1++) this.#lastTwo[k1 * 36 + k0] = 1; // any key ending in it
    else this.#lastTwo[slot(word.charCodeAt(word.length - 2)) * 36 + k0] = 1;
  }

  /**
   * False when no key ending just before `end` can name a secret, judged from its last one or two
   * characters: a necessary condition for classify(s, end, start) !== KEY_NONE whenever start <= end - 2,
   * costing two reads. A separator (`_ - .`) or a key start before the last character gives no opinion.
   * `end - 1` must be a letter or a digit (a separator there is for classify to skip).
   */
  mayEndAt(s: string, end: number): boolean {
    const c0 = s.charCodeAt(end - 1);
    if (c0 >= 128 || this.#last[c0] !== 1) return false;
    const k1 = end >= 2 ? slot(s.charCodeAt(end - 2)) : -2;
    return k1 < 0 || this.#lastTwo[k1 * 36 + slot(c0)] === 1;
  }

  /**
   * Class of the key that ends just before `end` in `s` and starts at or after `start` (characters before
   * `start` are not part of it). The longest matching keyword decides.
   */
  classify(s: string, end: number, start = 0): KeyClass {
    if (end <= start) return KEY_NONE;
    // Most keys (timestamps before `:`, `status=`) fail on their last character alone. Separators at the end
    // are ignored like the others (`password_` is `password`): the last character before them decides.
    let c0 = s.charCodeAt(end - 1);
    if (c0 >= 128 || this.#last[c0] !== 1) {
      let e = end;
      while (e > start && slot(s.charCodeAt(e - 1)) === -1) {
        this.steps++;
        e--;
      }
      if (e === end || e === start) return KEY_NONE;
      c0 = s.charCodeAt(e - 1);
      if (c0 >= 128 || this.#last[c0] !== 1) return KEY_NONE;
    }
    let node = this.#root;
    let best: KeyClass = KEY_NONE;
    for (let i = end - 1; i >= start; i--) {
      this.steps++;
      const k = slot(s.charCodeAt(i));
      if (k === -1) continue;
      if (k === -2) break;
      const child = node.next[k];
      if (child === undefined) return best;
      node = child;
      if (node.suffix > best) best = node.suffix;
      if (node.exact > best && this.#startsAt(s, i, start)) best = node.exact;
    }
    return best;
  }

  /** True when nothing but separators precedes position i within the key. */
  #startsAt(s: string, i: number, start: number): boolean {
    for (let j = i - 1; j >= start; j--) {
      this.steps++;
      const k = slot(s.charCodeAt(j));
      if (k === -2) return true;
      if (k >= 0) return false;
    }
    return true;
  }

  /** Class of a whole key (a property name in parsed fields or tags). */
  classifyKey(key: string): KeyClass {
    return this.classify(key, key.length, 0);
  }
}
