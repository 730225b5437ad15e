/**
 * The `redact` section: which rules run, how each replaces what it finds, per-app overrides.
 *
 * ```yaml
 * redact:
 *   hash_key_file: /etc/herald/redact.key       # needed only when a rule uses mode: hash
 *   rules:
 *     email: { mode: hash }
 *     payment_card: { mode: keep_last, keep_last: 4 }
 *     bearer_token: false
 *   custom:
 *     - { name: employee_id, regex: 'EMP-\d{6}', keywords: [EMP-] }
 *   overrides:
 *     - { app: /payments/*, rules: { payment_card: { mode: mask } } }
 *     - { app: [/tools/**], rules: { email: false } }
 * ```
 * The checks the schema cannot express (regexes, rule names, the hash key) live in config-checks.ts and
 * run both here (so `herald check` and startup report them with their path) and when compiling.
 */
import { z } from 'zod';
import { resolveSecrets, secretKeys } from '../config/secret';
import { BUILTIN_RULES, CATALOGUE, DEFAULT_ON, RULE_MODES, type BuiltinRuleName } from './rules/catalogue';
import { redactProblems } from './config-checks';

const modeSchema = z.enum(RULE_MODES);

export const ruleOptionsSchema = z
  .strictObject({
    enabled: z.boolean().optional().describe('Turn the rule on or off (default: on when this mapping is given)'),
    mode: modeSchema.optional().describe('mask: replace by the mask text; keep_last: asterisks then the last keep_last characters; hash: [HASH:<rule>:<hex>], a keyed HMAC of the value (needs hash_key)'),
    keep_last: z.number().int().min(1).max(64).optional().describe('Characters kept by mode keep_last (at most a third of the value is ever shown); default 4'),
    text: z.string().min(1).optional().describe('Mask text for this rule; {rule} is replaced by its name (default: the section\'s mask_text)'),
  })
  .describe('How a rule applies');

/** `true`/`false`, or the options (which also turn it on unless `enabled: false`). */
export const ruleSettingSchema = z.union([z.boolean(), ruleOptionsSchema]).describe('true/false, or { enabled, mode, keep_last, text }');
export type RuleSetting = z.infer<typeof ruleSettingSchema>;

const builtinShape = Object.fromEntries(
  BUILTIN_RULES.map((name) => [
    name,
    ruleSettingSchema.default(DEFAULT_ON[name]).describe(`${CATALOGUE[name].description}. Default: ${DEFAULT_ON[name] ? 'on' : 'off'}, mode ${CATALOGUE[name].defaultMode}`),
  ]),
) as Record<BuiltinRuleName, z.ZodDefault<typeof ruleSettingSchema>>;

export const customRuleSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be lower_snake_case').describe('Rule name (lower_snake_case): the metric label, the {rule} of the mask text and the key in overrides'),
    regex: z.string().min(1).describe('JavaScript regular expression; every match is replaced. Must not match the empty string nor nest quantifiers ((a+)+), which can backtrack without end'),
    flags: z.string().regex(/^(?!.*(.).*\1)[imsu]*$/, 'only i, m, s, u, each at most once').default('').describe('Regex flags among i, m, s, u (g is implied)'),
    enabled: z.boolean().default(true).describe('Turn the rule on or off globally (overrides can change it per app)'),
    mode: modeSchema.default('mask').describe('mask, keep_last or hash (see rules)'),
    keep_last: z.number().int().min(1).max(64).default(4).describe('Characters kept by mode keep_last'),
    text: z.string().min(1).optional().describe('Mask text; {rule} is replaced by the name (default: mask_text)'),
    keywords: z
      .array(z.string().min(1))
      .default([])
      .describe('Pre-check: the regex runs only on text containing one of these strings (case-sensitive). Without keywords it runs on every string: give them for any regex that is not cheap'),
  })
  .describe('An operator-defined rule');
export type CustomRuleConfig = z.infer<typeof customRuleSchema>;

export const overrideSchema = z
  .strictObject({
    app: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .describe('Marathon app id(s) or glob(s) this applies to: * matches within a path segment, ** across segments, ? one character (e.g. /payments/*, /team-a/**)'),
    rules: z
      .record(z.string(), ruleSettingSchema)
      .default({})
      .describe('Rule name (built-in or custom) → true/false or { enabled, mode, keep_last, text }; merged over the global setting of that rule'),
  })
  .describe('Per-app redaction: the first override whose app matches applies');
export type OverrideConfig = z.infer<typeof overrideSchema>;

const HASH_KEY_DOC = 'Key of mode hash (HMAC-SHA256), 16+ characters; required when any rule uses mode hash. Prefer hash_key_file';

export const redactSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Redact records before they reach any output. Turning it off ships customer data in clear'),
    rules: z.strictObject(builtinShape).prefault({}).describe('The built-in rules: on/off and mode of each (see src/redact/README.md)'),
    custom: z.array(customRuleSchema).default([]).describe('Operator-defined regex rules, applied after the built-in ones'),
    overrides: z.array(overrideSchema).default([]).describe('Per-app rule settings, tried in order'),
    extra_keys: z
      .array(z.string().min(1))
      .default([])
      .describe('More key names whose values are secret, for sensitive_key and secret_pair (matched like the built-in ones: at the end of a key, case, "_", "-" and "." ignored), e.g. session_id, ssn'),
    mask_text: z.string().min(1).default('[REDACTED:{rule}]').describe('Replacement of mode mask; {rule} is replaced by the rule name. No quotes, backslashes or control characters (it lands inside JSON text)'),
    hash_hex_chars: z.number().int().min(8).max(64).default(16).describe('Hex characters of the HMAC kept by mode hash (16 = 64 bits)'),
    ...secretKeys(['hash_key'], () => HASH_KEY_DOC),
  })
  .transform((value, ctx) => {
    const resolved = resolveSecrets(value, ['hash_key'], ctx);
    for (const p of redactProblems(resolved)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
    return resolved;
  })
  .describe('Redaction of customer data and secrets in every record, before any output');

export type RedactConfig = z.output<typeof redactSchema>;
