/**
 * The configuration of the native redaction gate (native/src/gate.rs) for one redaction rule set: the families
 * its pre-check wants (the `want` of its Precheck) and its secret key words (those of its KeyMatcher). The gate
 * fires whenever the JavaScript pre-check finds a candidate, and the engine then hands the line to JavaScript.
 *
 * The engine takes only rule sets it can judge exactly like the JavaScript redactor, so there is no
 * configuration (undefined) for a rule set with a custom rule on (its regex runs on every string, the gate
 * knows nothing of it) or in which a token field key names a secret (the syslog and HAProxy fields would then
 * be judged field by field, not by their line: src/logs/parse/token-fields.ts).
 */
import type { RedactConfig } from '../redact/config';
import type { Redactor } from '../redact/redactor';
import { TOKEN_FIELD_KEYS } from '../logs/parse/token-fields';
import { F_AT, F_AWSID, F_BEARER, F_CARD, F_JWT, F_PAIR, F_PEM, F_URL } from '../redact/precheck';
import { BUILTIN_RULES, RULE_INDEX } from '../redact/rules/catalogue';
import {
  AWS_SECRET_KEY_SUFFIXES,
  KEY_NONE,
  KeyMatcher,
  SECRET_KEY_EXACT,
  SECRET_KEY_SUFFIXES,
  normaliseKey,
} from '../redact/rules/keywords';

/** `GateConfig` of native/src/gate.rs (a napi object: the field names are the same on both sides). */
export interface GateConfig {
  /** The F_* families the rule set's pre-check wants; 0 when nothing is redacted (the gate never fires). */
  want: number;
  /** Key words matched at the end of a key, normalised: the built-in secret and AWS ones, then `extra_keys`. */
  suffixes: string[];
  /** Key words matched as a whole key only (`pass`, `pwd`, ...). */
  exact: string[];
}

/** The families of a rule set's pre-check, as the Redactor constructor computes them from its rules. */
export function wantOf(redactor: Redactor): number {
  const r = RULE_INDEX;
  const on = (rule: number): boolean => redactor.isOn(rule);
  let want = 0;
  if (on(r.payment_card)) want |= F_CARD;
  if (on(r.email) || on(r.url_credentials)) want |= F_AT;
  if (on(r.url_credentials)) want |= F_URL;
  if (on(r.jwt)) want |= F_JWT;
  if (on(r.aws_access_key_id)) want |= F_AWSID;
  if (on(r.private_key)) want |= F_PEM;
  if (on(r.bearer_token)) want |= F_BEARER;
  if (on(r.secret_pair) || on(r.sensitive_key) || on(r.aws_secret_access_key)) want |= F_PAIR;
  return want;
}

/**
 * What the gate needs of a rule set beyond the Redactor's public API: how many custom rules are on in it, and
 * the extra key words of its KeyMatcher (`want`: its Precheck's; absent, `wantOf` computes the same). Read from a
 * read-only accessor `Redactor.gateInfo` when the Redactor has one, else given by the caller.
 */
export interface GateInfo {
  readonly want?: number;
  readonly customRules: number;
  readonly extraKeys: readonly string[];
}

/** `redactor.gateInfo` when the Redactor exposes it (see GateInfo). */
function gateInfoOf(redactor: Redactor): GateInfo | undefined {
  return (redactor as unknown as { readonly gateInfo?: GateInfo }).gateInfo;
}

/** The GateInfo of `redactor`, compiled from `redact` (the global rule set or an override's). */
export function gateInfoFrom(redactor: Redactor, redact: Pick<RedactConfig, 'enabled' | 'custom' | 'extra_keys'>): GateInfo {
  return {
    want: redact.enabled ? wantOf(redactor) : 0,
    customRules: redact.custom.filter((_, i) => redactor.isOn(BUILTIN_RULES.length + i)).length,
    extraKeys: redact.extra_keys,
  };
}

/**
 * The gate configuration of `redactor`, or undefined when the native engine must leave its files to JavaScript:
 * a custom rule is on, a token field key names a secret, or what the gate needs is not known (no `info`, and the
 * Redactor has no `gateInfo`).
 */
export function gateConfig(redactor: Redactor, info: GateInfo | undefined = gateInfoOf(redactor)): GateConfig | undefined {
  if (info === undefined || info.customRules > 0) return undefined;
  const keys = new KeyMatcher(info.extraKeys);
  if (TOKEN_FIELD_KEYS.some((k) => keys.classifyKey(k) !== KEY_NONE)) return undefined;
  return {
    want: info.want ?? wantOf(redactor),
    suffixes: [...SECRET_KEY_SUFFIXES, ...AWS_SECRET_KEY_SUFFIXES, ...info.extraKeys.map(normaliseKey)],
    exact: [...SECRET_KEY_EXACT],
  };
}
