/**
 * One compiled rule set (the global one, or an override's): redacts a string, a parsed-fields tree, metric
 * tags and fields. Built once at load; per call it runs the pre-check, then only the detectors whose
 * family has a candidate, then renders the string once. A string with nothing to redact is returned as is
 * (no allocation). Matches are counted per rule in the shared `counts` (published per batch).
 */
import type { FieldValue, LogEvent } from '../pipeline/records';
import { TOKEN_FIELD_KEYS } from '../logs/parse/token-fields';
import { MatchList, WRAP_ESCAPED_QUOTE, WRAP_QUOTE } from './matches';
import { replacement, type Hasher, type RuleAction } from './modes';
import { F_AT, F_AWSID, F_BEARER, F_CARD, F_JWT, F_PAIR, F_PEM, F_URL, Precheck } from './precheck';
import { RULE_INDEX } from './rules/catalogue';
import { findCards } from './rules/payment-card';
import { findEmails } from './rules/email';
import { findAwsKeyIds, findBearerTokens, findJwts } from './rules/tokens';
import { findPrivateKeys } from './rules/private-key';
import { findUrlCredentials } from './rules/url-credentials';
import { findPairs, type PairRules } from './rules/pairs';
import { KEY_AWS_SECRET, KEY_NONE, type KeyMatcher } from './rules/keywords';
import { runCustomRule, type CompiledCustomRule } from './rules/custom';

/** Deeper parsed fields than this are replaced whole (parsers refuse deeper JSON anyway). */
export const MAX_FIELD_DEPTH = 512;

export interface RedactorOptions {
  /** Per global rule index; undefined = off in this rule set. */
  readonly actions: readonly (RuleAction | undefined)[];
  readonly custom: readonly CompiledCustomRule[];
  readonly keys: KeyMatcher;
  readonly hasher: Hasher;
  /** Matches per global rule index, shared by all rule sets of one transform. */
  readonly counts: Float64Array;
  /** Global index of the depth-limit pseudo-rule. */
  readonly depthRule: number;
}

export class Redactor {
  /** False when every rule is off: records of these apps are skipped whole. */
  readonly active: boolean;
  /** Characters visited by the detectors since creation (linearity tests read it). */
  steps = 0;
  readonly #o: RedactorOptions;
  readonly #m = new MatchList();
  readonly #precheck: Precheck;
  readonly #pairs: PairRules;
  readonly #idx: readonly number[];
  readonly #minLength: number;
  /** Whether a parser's token fields may be judged by their line (no custom rule, no token key is secret). */
  readonly #tokenLines: boolean;

  constructor(o: RedactorOptions) {
    this.#o = o;
    const on = (i: number) => (o.actions[i] !== undefined ? i : -1);
    this.#idx = Object.values(RULE_INDEX).map(on);
    const r = RULE_INDEX;
    this.#pairs = { sensitiveKey: on(r.sensitive_key), awsSecret: on(r.aws_secret_access_key), secretPair: on(r.secret_pair) };
    let want = 0;
    if (on(r.payment_card) >= 0) want |= F_CARD;
    if (on(r.email) >= 0 || on(r.url_credentials) >= 0) want |= F_AT;
    if (on(r.url_credentials) >= 0) want |= F_URL;
    if (on(r.jwt) >= 0) want |= F_JWT;
    if (on(r.aws_access_key_id) >= 0) want |= F_AWSID;
    if (on(r.private_key) >= 0) want |= F_PEM;
    if (on(r.bearer_token) >= 0) want |= F_BEARER;
    if (on(r.secret_pair) >= 0 || on(r.sensitive_key) >= 0 || on(r.aws_secret_access_key) >= 0) want |= F_PAIR;
    this.#precheck = new Precheck(o.keys, want);
    // The shortest built-in match needs 5 characters (`pwd=x`); custom rules may match less.
    this.#minLength = o.custom.length > 0 ? 1 : 5;
    this.active = want !== 0 || o.custom.length > 0;
    // Custom regexes may depend on where a string starts or ends, so they see every string on its own.
    this.#tokenLines = o.custom.length === 0 && TOKEN_FIELD_KEYS.every((k) => this.#keyRule(k) < 0);
  }

  /** What the native redaction gate needs of this rule set (src/native/gate-config.ts). */
  get gateInfo(): { readonly want: number; readonly customRules: number; readonly extraKeys: readonly string[] } {
    return { want: this.#precheck.want, customRules: this.#o.custom.length, extraKeys: this.#o.keys.extraKeys };
  }

  /** Whether the rule of this global index is on in this rule set. */
  isOn(rule: number): boolean {
    return this.#o.actions[rule] !== undefined;
  }

  /**
   * Redacts a log event in place: message, error and parsed fields. True if anything changed. When a
   * tokenizing parser cut the message and every field from one line (logs/parse/token-fields.ts) and the
   * pre-check finds no candidate in that line, there is nothing to redact in them: one check, no walk.
   */
  redactEvent(e: LogEvent): boolean {
    let changed = false;
    if (e.error !== undefined) {
      const error = this.redactString(e.error);
      if (error !== e.error) {
        e.error = error;
        changed = true;
      }
    }
    const line = e.parsedLine;
    if (line !== undefined && this.#tokenLines) {
      this.steps += line.length;
      if (line.length < this.#minLength || this.#precheck.flags(line) === 0) return changed;
    }
    const message = this.redactString(e.message);
    if (message !== e.message) {
      e.message = message;
      changed = true;
    }
    if (e.fields !== undefined && this.redactFields(e.fields)) changed = true;
    return changed;
  }

  /** The string with every match replaced; the same string when nothing matched. */
  redactString(s: string): string {
    if (s.length < this.#minLength) return s;
    const f = this.#precheck.flags(s);
    this.steps += s.length;
    const custom = this.#o.custom;
    if (f === 0 && custom.length === 0) return s;
    const m = this.#m;
    m.reset();
    const idx = this.#idx;
    const r = RULE_INDEX;
    let steps = 0;
    if (f & F_PEM) steps += findPrivateKeys(s, m, idx[r.private_key] as number);
    if (f & F_PAIR) steps += findPairs(s, m, this.#o.keys, this.#pairs);
    if ((f & (F_URL | F_AT)) === (F_URL | F_AT) && (idx[r.url_credentials] as number) >= 0) steps += findUrlCredentials(s, m, idx[r.url_credentials] as number);
    if (f & F_JWT) steps += findJwts(s, m, idx[r.jwt] as number);
    if (f & F_BEARER) steps += findBearerTokens(s, m, idx[r.bearer_token] as number);
    if (f & F_AWSID) steps += findAwsKeyIds(s, m, idx[r.aws_access_key_id] as number);
    if (f & F_CARD) steps += findCards(s, m, idx[r.payment_card] as number);
    if (f & F_AT && (idx[r.email] as number) >= 0) steps += findEmails(s, m, idx[r.email] as number);
    for (const c of custom) steps += runCustomRule(c, s, m);
    this.steps += steps;
    if (m.length === 0) return s;
    return this.#render(s);
  }

  #render(s: string): string {
    const m = this.#m;
    m.resolve();
    const counts = this.#o.counts;
    let out = '';
    let prev = 0;
    for (let k = 0; k < m.keptLength; k++) {
      const i = m.kept[k] as number;
      const start = m.starts[i] as number;
      const end = m.ends[i] as number;
      const rule = m.rules[i] as number;
      const wrap = m.wraps[i] as number;
      const q = wrap === WRAP_QUOTE ? '"' : wrap === WRAP_ESCAPED_QUOTE ? '\\"' : '';
      out += s.slice(prev, start) + q + this.#replace(rule, s.slice(start, end)) + q;
      prev = end;
      counts[rule] = (counts[rule] as number) + 1;
    }
    return out + s.slice(prev);
  }

  #replace(rule: number, value: string): string {
    return replacement(this.#o.actions[rule] as RuleAction, value, this.#o.hasher);
  }

  /** The rule that takes a structured key's whole value, or -1. */
  #keyRule(key: string): number {
    const cls = this.#o.keys.classifyKey(key);
    if (cls === KEY_NONE) return -1;
    const r = RULE_INDEX;
    if (cls === KEY_AWS_SECRET && this.#o.actions[r.aws_secret_access_key] !== undefined) return r.aws_secret_access_key;
    return this.#o.actions[r.sensitive_key] !== undefined ? r.sensitive_key : -1;
  }

  /** A structured value replaced whole under `rule` (and counted). */
  #whole(rule: number, value: unknown): string {
    this.#o.counts[rule] = (this.#o.counts[rule] as number) + 1;
    let text: string;
    if (typeof value === 'string') text = value;
    else if (typeof value === 'number' || typeof value === 'bigint') text = String(value);
    else {
      try {
        text = JSON.stringify(value) ?? '';
      } catch {
        text = ''; // cyclic or bigint inside: hash of '' is still a replacement, never the value
      }
    }
    return this.#replace(rule, text);
  }

  /** Redacts a parsed-fields tree in place (values only; keys, order and the objects stay). True if changed. */
  redactFields(obj: Record<string, unknown>, depth = 0): boolean {
    let changed = false;
    for (const key in obj) {
      const v = obj[key];
      let next: unknown = v;
      if (typeof v === 'string') {
        const rule = this.#keyRule(key);
        next = rule >= 0 ? this.#whole(rule, v) : this.redactString(v);
      } else if (typeof v === 'number' || typeof v === 'bigint') {
        const rule = this.#keyRule(key);
        if (rule >= 0) next = this.#whole(rule, v);
      } else if (v !== null && typeof v === 'object') {
        const rule = this.#keyRule(key);
        if (rule >= 0) next = this.#whole(rule, v);
        else if (depth >= MAX_FIELD_DEPTH) next = this.#whole(this.#o.depthRule, v);
        else if (Array.isArray(v)) changed = this.#redactArray(v, depth + 1) || changed;
        else changed = this.redactFields(v as Record<string, unknown>, depth + 1) || changed;
      }
      if (next !== v) {
        setOwn(obj, key, next);
        changed = true;
      }
    }
    return changed;
  }

  #redactArray(a: unknown[], depth: number): boolean {
    let changed = false;
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (typeof v === 'string') {
        const r = this.redactString(v);
        if (r !== v) {
          a[i] = r;
          changed = true;
        }
      } else if (v !== null && typeof v === 'object') {
        if (depth >= MAX_FIELD_DEPTH) {
          a[i] = this.#whole(this.#o.depthRule, v);
          changed = true;
        } else if (Array.isArray(v)) changed = this.#redactArray(v, depth + 1) || changed;
        else changed = this.redactFields(v as Record<string, unknown>, depth + 1) || changed;
      }
    }
    return changed;
  }

  /**
   * Metric tags or fields: string values redacted (whole when the key names a secret); numbers and
   * booleans are measurements and stay. Copy-on-write: the object may be shared by many points of a
   * source (a target's label set), so it is never modified; the copy keeps the key order.
   */
  redactRecord<T extends Record<string, string> | Record<string, FieldValue>>(obj: T): T {
    let copy: Record<string, unknown> | undefined;
    for (const key in obj) {
      const v = obj[key];
      if (typeof v !== 'string') continue;
      const rule = this.#keyRule(key);
      const next = rule >= 0 ? this.#whole(rule, v) : this.redactString(v);
      if (next === v) continue;
      copy ??= { ...obj };
      setOwn(copy, key, next);
    }
    return (copy ?? obj) as T;
  }
}

/** Assign an own property even for `__proto__` (a key that came from input). */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}
