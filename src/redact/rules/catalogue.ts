/**
 * The built-in rules, in priority order: when two matches cover the same span, the rule listed first wins
 * (and is the one counted). Names are stable: they appear in config keys, metric labels and mask text.
 */

export const RULE_MODES = ['mask', 'keep_last', 'hash'] as const;
export type RuleMode = (typeof RULE_MODES)[number];

export interface CatalogueEntry {
  readonly name: BuiltinRuleName;
  /** What it matches, for the config docs and the README. */
  readonly description: string;
  readonly defaultMode: RuleMode;
}

export const BUILTIN_RULES = [
  'private_key',
  'sensitive_key',
  'aws_secret_access_key',
  'secret_pair',
  'url_credentials',
  'jwt',
  'bearer_token',
  'aws_access_key_id',
  'payment_card',
  'email',
] as const;
export type BuiltinRuleName = (typeof BUILTIN_RULES)[number];

export const CATALOGUE: Readonly<Record<BuiltinRuleName, CatalogueEntry>> = {
  private_key: {
    name: 'private_key',
    description: 'PEM private key blocks, "-----BEGIN ... PRIVATE KEY-----" through the matching END line (to the end of the text when END is missing)',
    defaultMode: 'mask',
  },
  sensitive_key: {
    name: 'sensitive_key',
    description: 'Values of structured keys named like secrets (password, token, api_key, client_secret, authorization, ...; case, "_", "-" and "." ignored) at any depth of parsed fields, metric tags and JSON text inside a message; the value is replaced whatever its type (booleans and null excepted)',
    defaultMode: 'mask',
  },
  aws_secret_access_key: {
    name: 'aws_secret_access_key',
    description: 'The value of an aws_secret_access_key / SecretAccessKey pair, in text or as a structured key',
    defaultMode: 'mask',
  },
  secret_pair: {
    name: 'secret_pair',
    description: 'The value of key=value, key: value, key="value" and URL query pairs in text whose key ends in a secret word (password, passwd, secret, token, api_key, ...); "password_policy=strict" is not one',
    defaultMode: 'mask',
  },
  url_credentials: {
    name: 'url_credentials',
    description: 'The password in scheme://user:password@host',
    defaultMode: 'mask',
  },
  jwt: {
    name: 'jwt',
    description: 'JSON Web Tokens: three base64url parts separated by dots, the header starting "eyJ"',
    defaultMode: 'mask',
  },
  bearer_token: {
    name: 'bearer_token',
    description: 'The token after "Bearer" (any case), when it looks like a token (8+ characters with a digit or punctuation, or 20+)',
    defaultMode: 'mask',
  },
  aws_access_key_id: {
    name: 'aws_access_key_id',
    description: 'AWS access key ids: AKIA or ASIA followed by 16 upper-case letters or digits, as a whole word',
    defaultMode: 'mask',
  },
  payment_card: {
    name: 'payment_card',
    description: 'Payment card numbers: 13-19 digits, bare or grouped by spaces or dashes in the usual groupings, with a known issuer prefix and a valid Luhn check digit',
    defaultMode: 'keep_last',
  },
  email: {
    name: 'email',
    description: 'E-mail addresses (local@domain.tld with an alphabetic top-level domain)',
    defaultMode: 'mask',
  },
};

/**
 * Every built-in rule is on by default: each one either validates what it finds (Luhn and issuer prefixes,
 * JWT and key-id structure, PEM armour) or is anchored on a keyword, so false positives stay rare, and a
 * miss leaks customer data while a false positive only hides a value. See README.md for the known ones.
 */
export const DEFAULT_ON: Readonly<Record<BuiltinRuleName, boolean>> = {
  private_key: true,
  sensitive_key: true,
  aws_secret_access_key: true,
  secret_pair: true,
  url_credentials: true,
  jwt: true,
  bearer_token: true,
  aws_access_key_id: true,
  payment_card: true,
  email: true,
};

/** Index of each built-in rule in BUILTIN_RULES (custom rules follow them). */
export const RULE_INDEX = Object.fromEntries(BUILTIN_RULES.map((n, i) => [n, i])) as Readonly<Record<BuiltinRuleName, number>>;
