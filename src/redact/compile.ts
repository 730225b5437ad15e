/**
 * Config → compiled redaction: the global rule set, one rule set per override, and the choice of rule set
 * per app (first override whose glob matches; cached per app id). Everything a record needs is built here,
 * once: regexes, the key trie, mask texts, the hash key.
 */
import { ErrorCode, HeraldError } from '../errors';
import { formatPath } from '../config/errors';
import { appGlob } from '../pipeline/app-glob';
import type { RedactConfig, RuleSetting } from './config';
import { redactProblems } from './config-checks';
import { Hasher, fillMaskText, type RuleAction } from './modes';
import { Redactor } from './redactor';
import { BUILTIN_RULES, CATALOGUE, type RuleMode } from './rules/catalogue';
import type { CompiledCustomRule } from './rules/custom';
import { KeyMatcher } from './rules/keywords';

/** Name of the pseudo-rule counting field trees too deep to walk (replaced whole). */
export const DEPTH_RULE = 'depth_limit';
const DEFAULT_KEEP_LAST = 4;
const APP_CACHE_ENTRIES = 10_000;

interface Effective {
  enabled: boolean;
  mode: RuleMode;
  keepLast: number;
  text: string;
}

function merge(base: Effective, s: RuleSetting | undefined): Effective {
  if (s === undefined) return base;
  if (typeof s === 'boolean') return { ...base, enabled: s };
  return { enabled: s.enabled ?? true, mode: s.mode ?? base.mode, keepLast: s.keep_last ?? base.keepLast, text: s.text ?? base.text };
}

export class Redaction {
  readonly enabled: boolean;
  /** Rule names by global index: built-in, custom, then the depth-limit pseudo-rule. */
  readonly ruleNames: readonly string[];
  /** Matches per rule index since the last drain. */
  readonly counts: Float64Array;
  readonly base: Redactor;
  readonly #overrides: { globs: RegExp[]; redactor: Redactor }[];
  readonly #byApp = new Map<string, Redactor>();
  readonly #keys: KeyMatcher;

  constructor(cfg: RedactConfig) {
    const problems = redactProblems(cfg);
    if (problems.length > 0) {
      throw new HeraldError(ErrorCode.redact, `redaction config: ${problems.map((p) => `redact.${formatPath(p.path)}: ${p.message}`).join('; ')}`);
    }
    this.enabled = cfg.enabled;
    const names: string[] = [...BUILTIN_RULES, ...cfg.custom.map((c) => c.name), DEPTH_RULE];
    this.ruleNames = names;
    this.counts = new Float64Array(names.length);
    const keys = new KeyMatcher(cfg.extra_keys);
    this.#keys = keys;
    const hasher = new Hasher(cfg.hash_key, cfg.hash_hex_chars);
    const custom: CompiledCustomRule[] = cfg.custom.map((c, i) => ({
      index: BUILTIN_RULES.length + i,
      re: new RegExp(c.regex, `${c.flags}g`),
      keywords: c.keywords,
    }));
    const global: Effective[] = [
      ...BUILTIN_RULES.map((name) =>
        merge({ enabled: true, mode: CATALOGUE[name].defaultMode, keepLast: DEFAULT_KEEP_LAST, text: cfg.mask_text }, cfg.rules[name]),
      ),
      ...cfg.custom.map((c) => ({ enabled: c.enabled, mode: c.mode, keepLast: c.keep_last, text: c.text ?? cfg.mask_text })),
    ];
    const depthRule = names.length - 1;
    const build = (eff: Effective[]): Redactor => {
      const actions: (RuleAction | undefined)[] = eff.map((e, i) =>
        e.enabled ? { rule: names[i] as string, mode: e.mode, keepLast: e.keepLast, maskText: fillMaskText(e.text, names[i] as string) } : undefined,
      );
      actions.push({ rule: DEPTH_RULE, mode: 'mask', keepLast: 0, maskText: fillMaskText(cfg.mask_text, DEPTH_RULE) });
      return new Redactor({ actions, custom: custom.filter((c) => actions[c.index] !== undefined), keys, hasher, counts: this.counts, depthRule });
    };
    this.base = build(global);
    this.#overrides = cfg.overrides.map((o) => ({
      globs: (Array.isArray(o.app) ? o.app : [o.app]).map(appGlob),
      redactor: build(global.map((e, i) => merge(e, o.rules[names[i] as string]))),
    }));
  }

  /** The rule set of an app id ('' for node-level records). */
  forApp(app: string): Redactor {
    if (this.#overrides.length === 0) return this.base;
    let r = this.#byApp.get(app);
    if (r !== undefined) return r;
    r = this.base;
    for (const o of this.#overrides) {
      if (o.globs.some((g) => g.test(app))) {
        r = o.redactor;
        break;
      }
    }
    if (this.#byApp.size >= APP_CACHE_ENTRIES) this.#byApp.clear();
    this.#byApp.set(app, r);
    return r;
  }

  /** Total characters visited by all rule sets and key lookups (linearity tests). */
  get steps(): number {
    return this.base.steps + this.#overrides.reduce((n, o) => n + o.redactor.steps, 0) + this.#keys.steps;
  }
}

export function compileRedaction(cfg: RedactConfig): Redaction {
  return new Redaction(cfg);
}
