/**
 * The pre-check must never be stricter than the detectors: it decides, per family, whether a detector runs,
 * so a string it wrongly skips leaks a secret. Its gates are fast necessary conditions (native regexes,
 * indexOf, a loop for short strings, the last two characters of a key), so these tests put secrets of every
 * rule, at their shortest, in every position (start, end, alone, padded past the short-string length,
 * inside JSON strings, split by separators) in text and in parsed fields; and, on generated strings,
 * compare the pre-check with a plain reference wherever a detector finds something.
 */
import t from 'tap';
import { redactSchema } from '../../src/redact/config';
import { Redaction } from '../../src/redact/compile';
import { MatchList } from '../../src/redact/matches';
import { F_AT, F_AWSID, F_BEARER, F_CARD, F_JWT, F_PAIR, F_PEM, F_URL, Precheck } from '../../src/redact/precheck';
import { KEY_NONE, KeyMatcher } from '../../src/redact/rules/keywords';
import { findPairs, flagBefore, keyBefore } from '../../src/redact/rules/pairs';
import { findCards } from '../../src/redact/rules/payment-card';
import { findEmails } from '../../src/redact/rules/email';
import { findAwsKeyIds, findBearerTokens, findJwts } from '../../src/redact/rules/tokens';
import { findPrivateKeys } from '../../src/redact/rules/private-key';
import { findUrlCredentials } from '../../src/redact/rules/url-credentials';
import { seededRandom } from '../fixtures/redact/generate';

const V = 'Zq9vX7wK'; // the secret value of the key/value, URL and PEM cases

function luhn(body: string): string {
  let sum = 0;
  for (let i = body.length - 1, dbl = true; i >= 0; i--, dbl = !dbl) {
    let d = Number(body[i]) * (dbl ? 2 : 1);
    if (d > 9) d -= 9;
    sum += d;
  }
  return body + String((10 - (sum % 10)) % 10);
}

interface Case {
  /** The text holding the secret. */
  text: string;
  /** What must not be left anywhere in the output. */
  secrets: string[];
}

const pair = (text: string): Case => ({ text, secrets: [V] });
const whole = (text: string, ...more: string[]): Case => ({ text, secrets: [text, ...more] });
const visa19 = luhn('411111111111111111');

/** Every rule, at its shortest and in its variants (keys split by `_ - .`, cards grouped, encodings). */
const CASES: Record<string, Case[]> = {
  private_key: [
    { text: `-----BEGIN PRIVATE KEY-----${V}`, secrets: [V] }, // 27 characters before the body, no END
    { text: `-----BEGIN EC PRIVATE KEY-----\n${V}\n-----END EC PRIVATE KEY-----`, secrets: [V] },
    { text: `-----BEGIN RSA PRIVATE KEY-----\\n${V}\\n-----END RSA PRIVATE KEY-----`, secrets: [V] },
  ],
  sensitive_key: [
    pair(`{"password":"${V}"}`), pair(`{"token" : "${V}"}`), pair(`{\\"secret\\":\\"${V}\\"}`),
    pair(`{"pass_word":"${V}"}`), pair(`{"X-Api-Key":"${V}"}`), { text: '{"pin_token": 90817263}', secrets: ['90817263'] },
  ],
  aws_secret_access_key: [
    pair(`aws_secret_access_key=${V}`), pair(`AWS.SECRET.ACCESS.KEY: ${V}`), pair(`{"SecretAccessKey":"${V}"}`),
  ],
  secret_pair: [
    pair(`pwd=${V}`), pair(`pass: ${V}`), pair(`sig=${V}`), pair(`auth = ${V}`), pair(`Cookie: ${V}`), pair(`set-cookie:${V}`),
    pair(`pass_word=${V}`), pair(`PASS-WORD=${V}`), pair(`p.a.s.s.w.o.r.d=${V}`), pair(`a_p_i_k_e_y=${V}`),
    pair(`client.secret=${V}`), pair(`X-Api-Key: ${V}`), pair(`accessToken=${V}`), pair(`db_passwd:${V}`),
    pair(`passphrase = "${V}"`), pair(`api_key='${V}'`), pair(`password \t = ${V}`), pair(`{'token':'${V}'}`),
    pair(`user[password]=${V}`), pair(`user[pass_word] = ${V}`), pair(`?a=1&token=${V}&b=2`),
    pair(`next%3Fx%3D1%26token%3D${V}%26y%3D2`), pair(`token%3d${V}`),
    pair(`--password ${V}`), pair(`--db-pass_word ${V}`), pair(`--api.key ${V}`), pair(`--password=${V}`),
    pair(`--${'a'.repeat(54)}password ${V}`), // 62 key characters: the longest flag the lookback reads
    pair(`Authorization: Basic ${V}`), pair(`authorization: bearer ${V}`),
  ],
  url_credentials: [pair(`redis://:${V}@h`), pair(`postgres://app:${V}@db.internal:5432/x`), pair(`a://u:${V}@b`)],
  jwt: [
    whole('eyJAAAAAAA.AA.'), // 14 characters, no signature
    whole('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl'),
  ],
  bearer_token: [
    { text: 'bearer Zq9vX7wK', secrets: [V] }, // 15 characters
    { text: `Bearer+${V}1234`, secrets: [V] }, { text: `BEARER%20${V}`, secrets: [V] }, { text: `bearer\t${V}`, secrets: [V] },
    { text: 'bearer abcdefghijklmnopqrstu', secrets: ['abcdefghijklmnopqrstu'] },
  ],
  aws_access_key_id: [whole('AKIAZQ9VX7WKZQ9VX7WK'), whole('ASIA2345ABCD6789EFGH')],
  payment_card: [
    whole('4222222222222'), whole('4222 2222 2222 2', '4222222222222'), whole('4111111111111111'), whole('4111 1111 1111 1111'),
    whole('4111-1111-1111-1111'), whole('5555555555554444'), whole('378282246310005'), whole('3782 822463 10005'),
    whole('3782-822463-10005'), whole('30569309025904'), whole('3056 930902 5904'), whole('6011111111111117'),
    whole(visa19), whole(`${visa19.slice(0, 4)} ${visa19.slice(4, 8)} ${visa19.slice(8, 12)} ${visa19.slice(12, 16)} ${visa19.slice(16)}`),
  ],
  email: [whole('a@b.co'), whole('first.last+tag@mail.example.org'), whole('X_Y-9@Sub-Domain.Example.COM')],
};

const PAD = 'lorem ipsum dolor sit amet, ';
/** Positions: alone, start, end, middle, past the short-string length on either side, JSON, separators. */
const CONTEXTS: ((s: string) => string)[] = [
  (s) => s,
  (s) => `${s} ok`,
  (s) => `at ${s}`,
  (s) => `at ${s} ok`,
  (s) => `${PAD}${PAD}${s}`,
  (s) => `${s} ${PAD}${PAD}`,
  (s) => `${PAD}${s} ${PAD}`,
  (s) => `{"msg":"${s}","n":1}`,
  (s) => `{"msg":"x ${s}","pad":"${PAD}"}`,
  (s) => `(${s})`,
  (s) => `"${s}"`,
  (s) => `,${s},`,
  (s) => `\t${s}\n`,
  (s) => `\n${PAD}\n${s}\n${PAD}`,
];

function leaks(out: string, c: Case): string[] {
  return c.secrets.filter((s) => out.includes(s));
}

void t.test('every rule is found in every position, short and long, in text and in fields', async (t) => {
  const r = new Redaction(redactSchema.parse({}));
  for (const [rule, cases] of Object.entries(CASES)) {
    for (const c of cases) {
      const found: string[] = [];
      for (const [k, ctx] of CONTEXTS.entries()) {
        const text = ctx(c.text);
        if (leaks(r.base.redactString(text), c).length > 0) found.push(`text ${k}: ${JSON.stringify(text)}`);
        const fields: Record<string, unknown> = { json: { note: text, list: [1, text] } };
        r.base.redactFields(fields);
        if (leaks(JSON.stringify(fields), c).length > 0) found.push(`fields ${k}: ${JSON.stringify(text)}`);
      }
      t.same(found, [], `${rule}: ${JSON.stringify(c.text)}`);
    }
  }
});

// Each rule set compiles the gates of its own rules only (overrides turn families off).
void t.test('each rule alone, every other rule off, still finds its cases', async (t) => {
  const names = Object.keys(CASES);
  for (const [rule, cases] of Object.entries(CASES)) {
    const r = new Redaction(redactSchema.parse({ rules: Object.fromEntries(names.map((n) => [n, n === rule])) }));
    const found: string[] = [];
    for (const c of cases) {
      for (const ctx of CONTEXTS) if (leaks(r.base.redactString(ctx(c.text)), c).length > 0) found.push(JSON.stringify(ctx(c.text)));
    }
    t.same(found, [], rule);
  }
});

// A one-character extra key is a suffix too (`inbox` ends in `x`): the two-character look must not reject it.
void t.test('extra_keys of any length are found like the built-in key names', async (t) => {
  const r = new Redaction(redactSchema.parse({ extra_keys: ['session_id', 'x', 'key2'] }));
  for (const text of [`session-id=${V}`, `x=${V}`, `X: ${V}`, `inbox=${V}`, `{"mailbox":"${V}"}`, `KEY2: ${V}`, `apikey2=${V}`, `{"Session.Id":"${V}"}`, `--key2 ${V}`, `a[x]=${V}`]) {
    for (const ctx of CONTEXTS) t.notOk(r.base.redactString(ctx(text)).includes(V), JSON.stringify(ctx(text)));
  }
});

// Separators are ignored wherever they are in a key, also at its end (`password_` is `password`).
void t.test('keys ending in separators are secret keys too', async (t) => {
  const r = new Redaction(redactSchema.parse({}));
  for (const text of [`password_=${V}`, `Password__: ${V}`, `{"api-key.":"${V}"}`, `--token- ${V}`, `user[pass_]=${V}`, `db.password-=${V}`]) {
    for (const ctx of CONTEXTS) t.notOk(r.base.redactString(ctx(text)).includes(V), JSON.stringify(ctx(text)));
  }
  for (const text of [`passport_=${V}`, `x.pass_=${V}`, `___=${V}`]) t.equal(r.base.redactString(text), text, `${text}: not a secret key`);
});

void t.test('near-misses next to the gates stay byte for byte, short and long', async (t) => {
  const r = new Redaction(redactSchema.parse({}));
  const nearMisses = [
    'a@b', 'user@host', 'pwd', 'password_policy=strict', 'max_tokens=100', 'x%3D1', '--verbose x', '----', '- - ---- 1/2',
    'eyJ alone', 'AKIA1234', '4111 1111 1111 1112', '123456789012', '1234 5678 9012', '2026-11-21T12:00:00Z',
    'the bearer of it', 'bearer short', '10.0.0.1:8080', 'haproxy[1234]: x', '"path":"/a"', 'ts=1 status=200',
  ];
  for (const s of nearMisses) {
    for (const ctx of [(x: string) => x, (x: string) => `${PAD}${x} ${PAD}`]) t.equal(r.base.redactString(ctx(s)), ctx(s), JSON.stringify(ctx(s)));
  }
});

/** The pre-check as documented, written plainly (one read of every character, no native gate). */
function reference(s: string, keys: KeyMatcher): number {
  let f = 0;
  if (/\d(?:[ -]*\d){12}/.test(s)) f |= F_CARD;
  if (s.includes('@')) f |= F_AT;
  if (s.includes('://')) f |= F_URL;
  if (s.includes('eyJ')) f |= F_JWT;
  if (s.includes('AKIA') || s.includes('ASIA')) f |= F_AWSID;
  if (s.includes('-----BEGIN ')) f |= F_PEM;
  if (s.includes('earer') || s.includes('EARER')) f |= F_BEARER;
  for (let i = 0; i < s.length && (f & F_PAIR) === 0; i++) {
    const c = s.charCodeAt(i);
    const sep = c === 61 || (c === 58 && s.charCodeAt(i + 1) !== 47) || (c === 37 && s.charCodeAt(i + 1) === 51 && (s.charCodeAt(i + 2) | 32) === 100);
    if (sep && keyBefore(s, i, keys) !== KEY_NONE) f |= F_PAIR;
    if (c === 45 && s.charCodeAt(i + 1) === 45 && flagBefore(s, i, keys) !== -1) f |= F_PAIR;
  }
  return f;
}

const FRAGMENTS = [
  'password', 'pass_word', 'PASS-WD', 'p.w.d', 'pwd', 'sig', 'token', 'api_key', 'X-Api-Key', 'secret', 'aws_secret_access_key',
  'SecretAccessKey', 'auth', 'Authorization', 'cookie', 'path', 'ts', 'x', '=', ':', ' : ', ' = ', '%3D', '%3d', '%3', '--', '---',
  ' --', '-', '"', "'", '\\"', '[', ']', ' ', '\t', '        ', '/', '://', '@', '.', ',', '&', '?', '\n', 'hunter22', 'abc',
  'Basic dXNlcjpwYXNz', 'Bearer ', 'bearer', 'BEARER', 'BeArEr', 'earer', '+', '%20', '4111111111111111', '4111 1111 1111 1111',
  '4111-1111-1111-1111', '378282246310005', '3782 822463 10005', '30569309025904', '1234', '12', '0', '4111', ' 1111', '-1111',
  'eyJhbGciOiJIUzI1NiJ9', '.eyJzdWIiOiIxMjM0NTY3ODkwIn0', '.abc', 'eyJ', 'eyJAAAAAAA.AA.', 'AKIA', 'ASIA', 'AKIAIOSFODNN7EXAMPLE',
  'ABCDEFGHIJKLMNOP', '-----BEGIN ', 'RSA PRIVATE KEY', '-----', '-----BEGIN PRIVATE KEY-----', '-----END RSA PRIVATE KEY-----', 'a@b.co', 'user', 'example.com',
  'postgres://u:p@h', '{', '}', '"password":', '\\"token\\":\\"', 'é', '€',
];

void t.test('on generated strings, the pre-check agrees with the plain reference wherever a detector finds something', async (t) => {
  const keys = new KeyMatcher();
  const pre = new Precheck(keys, 255);
  const pairRules = { sensitiveKey: 1, awsSecret: 2, secretPair: 3 };
  const detectors: [string, number, (s: string, m: MatchList) => unknown][] = [
    ['private_key', F_PEM, (s, m) => findPrivateKeys(s, m, 0)],
    ['pairs', F_PAIR, (s, m) => findPairs(s, m, keys, pairRules)],
    ['url_credentials', F_URL | F_AT, (s, m) => findUrlCredentials(s, m, 4)],
    ['jwt', F_JWT, (s, m) => findJwts(s, m, 5)],
    ['bearer_token', F_BEARER, (s, m) => findBearerTokens(s, m, 6)],
    ['aws_access_key_id', F_AWSID, (s, m) => findAwsKeyIds(s, m, 7)],
    ['payment_card', F_CARD, (s, m) => findCards(s, m, 8)],
    ['email', F_AT, (s, m) => findEmails(s, m, 9)],
  ];
  // The reference is itself a necessary condition of these detectors (bearer and pairs have documented
  // exceptions: `BeArEr`, and a `key:/` separator).
  const necessary = new Set(['private_key', 'url_credentials', 'jwt', 'aws_access_key_id', 'payment_card', 'email']);
  const positives = new Map<string, number>();
  const wrong: string[] = [];
  const m = new MatchList();
  const rnd = seededRandom(0x9e3779b9);
  for (let n = 0; n < 60_000; n++) {
    let s = '';
    const parts = 1 + rnd(n % 3 === 0 ? 12 : 5);
    for (let j = 0; j < parts; j++) s += FRAGMENTS[rnd(FRAGMENTS.length)] as string;
    const got = pre.flags(s);
    const want = reference(s, keys);
    for (const [name, bits, find] of detectors) {
      m.reset();
      find(s, m);
      if (m.length === 0) continue;
      positives.set(name, (positives.get(name) ?? 0) + 1);
      if ((got & bits) !== (want & bits)) wrong.push(`${name}: ${JSON.stringify(s)} pre-check ${got & bits}, reference ${want & bits}`);
      if (necessary.has(name) && (want & bits) !== bits) wrong.push(`${name}: reference misses ${JSON.stringify(s)}`);
    }
  }
  t.same(wrong.slice(0, 20), [], 'no difference where a detector matches');
  for (const [name] of detectors) t.ok((positives.get(name) ?? 0) >= 200, `${name}: ${positives.get(name) ?? 0} generated strings with a match`);
});
