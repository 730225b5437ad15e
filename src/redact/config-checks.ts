/**
 * Checks of the `redact` section that a schema cannot express: custom regexes compile, match no empty
 * string and do not nest quantifiers; rule names in overrides exist; mode hash has a key; mask texts are
 * safe inside JSON text. Each problem carries its path inside the section. Used by the schema (config
 * errors at load, with the path) and by compileRedaction (HERALD_E_REDACT for configs built in code).
 */
import type { Secret } from '../config/secret';
import { BUILTIN_RULES } from './rules/catalogue';
import type { RuleSetting } from './config';

export interface RedactProblem {
  path: (string | number)[];
  message: string;
}

/** The parts of a resolved RedactConfig these checks read. */
export interface CheckedRedactConfig {
  readonly rules: Readonly<Record<string, RuleSetting>>;
  readonly custom: readonly { name: string; regex: string; flags: string; mode: string; text?: string | undefined }[];
  readonly overrides: readonly { app: string | string[]; rules: Readonly<Record<string, RuleSetting>> }[];
  readonly mask_text: string;
  readonly hash_key: Secret | undefined;
}

export const MIN_HASH_KEY_CHARS = 16;

export function redactProblems(cfg: CheckedRedactConfig): RedactProblem[] {
  const out: RedactProblem[] = [];
  const hashUsedAt: string[] = [];
  const maskText = (text: string | undefined, path: (string | number)[]) => {
    if (text !== undefined && /["\\\u0000-\u001f\u007f]/.test(text)) out.push({ path, message: 'must not contain quotes, backslashes or control characters' });
  };
  const setting = (s: RuleSetting, path: (string | number)[]) => {
    if (typeof s === 'boolean') return;
    if (s.mode === 'hash' && s.enabled !== false) hashUsedAt.push(path.join('.'));
    maskText(s.text, [...path, 'text']);
  };
  maskText(cfg.mask_text, ['mask_text']);
  for (const [name, s] of Object.entries(cfg.rules)) setting(s, ['rules', name]);

  const known = new Set<string>(BUILTIN_RULES);
  cfg.custom.forEach((rule, i) => {
    if (known.has(rule.name)) {
      out.push({ path: ['custom', i, 'name'], message: `"${rule.name}" is already the name of ${BUILTIN_RULES.includes(rule.name as never) ? 'a built-in rule' : 'another custom rule'}` });
    }
    known.add(rule.name);
    const problem = regexProblem(rule.regex, rule.flags);
    if (problem !== undefined) out.push({ path: ['custom', i, 'regex'], message: problem });
    if (rule.mode === 'hash') hashUsedAt.push(`custom[${i}]`);
    maskText(rule.text, ['custom', i, 'text']);
  });

  cfg.overrides.forEach((o, i) => {
    for (const [name, s] of Object.entries(o.rules)) {
      if (!known.has(name)) out.push({ path: ['overrides', i, 'rules', name], message: `unknown rule (known: ${[...known].join(', ')})` });
      setting(s, ['overrides', i, 'rules', name]);
    }
  });

  const key = cfg.hash_key?.reveal();
  if (key !== undefined && key.length < MIN_HASH_KEY_CHARS) {
    out.push({ path: ['hash_key'], message: `the hash key must be at least ${MIN_HASH_KEY_CHARS} characters` });
  }
  if (key === undefined && hashUsedAt.length > 0) {
    out.push({ path: ['hash_key'], message: `mode hash (${hashUsedAt.join(', ')}) needs hash_key or hash_key_file` });
  }
  return out;
}

/** Why a custom regex is refused, or undefined. */
export function regexProblem(source: string, flags: string): string | undefined {
  let re: RegExp;
  try {
    re = new RegExp(source, `${flags}g`);
  } catch (err) {
    return `not a valid regular expression: ${(err as Error).message}`;
  }
  if (re.test('')) return 'matches the empty string';
  if (nestsQuantifiers(source)) return 'a quantified group contains a quantifier (like (a+)+), which can backtrack without end on some lines';
  return undefined;
}

/**
 * True when a group that contains an unbounded quantifier (+, *, {n,}) is itself quantified by one: the
 * classic shape of catastrophic backtracking. A heuristic (it does not catch every exponential regex,
 * e.g. overlapping alternatives), documented as such.
 */
export function nestsQuantifiers(source: string): boolean {
  const stack: boolean[] = [];
  let inner = false; // the current group contains an unbounded quantifier
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
    } else if (c === '[') {
      for (i++; i < source.length && source[i] !== ']'; i++) if (source[i] === '\\') i++;
    } else if (c === '(') {
      stack.push(inner);
      inner = false;
    } else if (c === ')') {
      const had: boolean = inner;
      inner = stack.pop() ?? false;
      const q = unboundedQuantifierAt(source, i + 1);
      if (had && q) return true;
      inner = inner || had || q;
    } else if (unboundedQuantifierAt(source, i)) {
      inner = true;
    }
  }
  return false;
}

function unboundedQuantifierAt(s: string, i: number): boolean {
  const c = s[i];
  if (c === '+' || c === '*') return true;
  return c === '{' && /^\{\d+,\}/.test(s.slice(i, i + 12));
}
