/**
 * What a match is replaced with, per rule: `mask` (fixed text, `{rule}` replaced by the rule's name),
 * `keep_last` N (asterisks, then the last N characters, but never more than a third of the value, so a
 * short secret is not half shown), or `hash` (`[HASH:<rule>:<hex>]`, a keyed HMAC-SHA256 of the value
 * truncated to hash_hex_chars: equal values give equal hashes under one key, so they can still be
 * correlated, but cannot be read back or brute-forced without the key).
 */
import { createHmac } from 'node:crypto';
import type { Secret } from '../config/secret';
import type { RuleMode } from './rules/catalogue';

export interface RuleAction {
  readonly rule: string;
  readonly mode: RuleMode;
  readonly keepLast: number;
  /** The mask text with the rule's name filled in. */
  readonly maskText: string;
}

/** HMAC-SHA256 under one key, with a bounded cache (the same e-mail or token repeats across lines). */
export class Hasher {
  readonly #key: Secret | undefined;
  readonly #hexChars: number;
  readonly #cache = new Map<string, string>();
  static readonly CACHE_ENTRIES = 4096;

  constructor(key: Secret | undefined, hexChars: number) {
    this.#key = key;
    this.#hexChars = hexChars;
  }

  hex(value: string): string {
    let h = this.#cache.get(value);
    if (h !== undefined) return h;
    // The config check refuses hash mode without a key; this keeps a bug from shipping values in clear.
    if (this.#key === undefined) throw new Error('redact: hash mode without a hash key');
    h = createHmac('sha256', this.#key.reveal()).update(value, 'utf8').digest('hex').slice(0, this.#hexChars);
    if (this.#cache.size >= Hasher.CACHE_ENTRIES) this.#cache.clear();
    this.#cache.set(value, h);
    return h;
  }
}

export function fillMaskText(template: string, rule: string): string {
  return template.split('{rule}').join(rule);
}

/** The replacement of `value` under `action`. */
export function replacement(action: RuleAction, value: string, hasher: Hasher): string {
  switch (action.mode) {
    case 'mask':
      return action.maskText;
    case 'hash':
      return `[HASH:${action.rule}:${hasher.hex(value)}]`;
    case 'keep_last': {
      const len = value.length;
      let keep = Math.min(action.keepLast, Math.floor(len / 3));
      // Inside JSON text the tail must not start an escape or end the string.
      for (let i = len - keep; i < len; i++) {
        const c = value.charCodeAt(i);
        if (c === 34 || c === 92) {
          keep = 0;
          break;
        }
      }
      return '*'.repeat(len - keep) + value.slice(len - keep);
    }
  }
}
