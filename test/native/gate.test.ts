/**
 * The native redaction gate (native/src/gate.rs) against the JavaScript pre-check it ports: on generated strings
 * with secrets of every family in every position (start, end, alone, around the short-string length and the
 * gate's 64-byte blocks, after multi-byte characters), for several rule sets, the gate must fire wherever the
 * JavaScript `Precheck` finds a candidate (strings under 5 characters excepted: the redactor never checks them),
 * and must call a key secret exactly when `KeyMatcher.classifyKey` does. Also: which rule sets get a gate at all
 * (src/native/gate-config.ts). The gate tests need the addon (native/build/herald_native.node, built by
 * scripts/build-native.sh; HERALD_NATIVE_ADDON points elsewhere) and are skipped without it.
 */
import t from 'tap';
import { join } from 'node:path';
import { redactSchema } from '../../src/redact/config';
import { Redaction } from '../../src/redact/compile';
import { F_AT, F_AWSID, F_BEARER, F_CARD, F_JWT, F_PAIR, F_PEM, F_URL, Precheck } from '../../src/redact/precheck';
import { KEY_NONE, KeyMatcher } from '../../src/redact/rules/keywords';
import { gateConfig, gateInfoFrom, type GateConfig } from '../../src/native/gate-config';
import { seededRandom } from '../fixtures/redact/generate';

interface GateAddon {
  gateFlags(config: GateConfig, s: string): number;
  gateSecretKey(config: GateConfig, key: string): boolean;
}

const ADDON_PATH = process.env.HERALD_NATIVE_ADDON ?? join(__dirname, '..', '..', 'native', 'build', 'herald_native.node');

function loadAddon(): GateAddon | undefined {
  const m = { exports: {} as Partial<GateAddon> };
  try {
    process.dlopen(m, ADDON_PATH);
  } catch {
    return undefined;
  }
  const { gateFlags, gateSecretKey } = m.exports;
  return gateFlags !== undefined && gateSecretKey !== undefined ? { gateFlags, gateSecretKey } : undefined;
}

const addon = loadAddon();
const SKIP = addon === undefined ? `native addon not built, or built without the gate (${ADDON_PATH}): run scripts/build-native.sh` : false;

type Settings = Parameters<typeof redactSchema.parse>[0];

function ruleSet(settings: Settings): { gate: GateConfig | undefined; active: boolean; extraKeys: string[] } {
  const cfg = redactSchema.parse(settings);
  const r = new Redaction(cfg);
  return { gate: gateConfig(r.base, gateInfoFrom(r.base, cfg)), active: r.base.active, extraKeys: cfg.extra_keys };
}

const ALL_OFF = {
  private_key: false, sensitive_key: false, aws_secret_access_key: false, secret_pair: false, url_credentials: false, jwt: false,
  bearer_token: false, aws_access_key_id: false, payment_card: false, email: false,
};

void t.test('gate configuration per rule set', async (t) => {
  const all = ruleSet({});
  t.equal(all.gate?.want, 255, 'every family with the default rules');
  t.ok(all.gate?.suffixes.includes('password') && all.gate.suffixes.includes('secretaccesskey') && all.gate.exact.includes('pwd'));
  t.same(ruleSet({ extra_keys: ['Session_Id', 'x-tenant.key'] }).gate?.suffixes.slice(-2), ['sessionid', 'xtenantkey'], 'extra keys, normalised');
  t.equal(ruleSet({ rules: { ...ALL_OFF, url_credentials: true } }).gate?.want, F_AT | F_URL);
  t.equal(ruleSet({ rules: { ...ALL_OFF, email: true } }).gate?.want, F_AT);
  t.equal(ruleSet({ rules: { ...ALL_OFF, sensitive_key: true } }).gate?.want, F_PAIR);
  t.equal(ruleSet({ rules: { ...ALL_OFF, payment_card: { mode: 'mask' } } }).gate?.want, F_CARD);
  const off = ruleSet({ rules: ALL_OFF });
  t.equal(off.gate?.want, 0, 'every rule off: the gate is off');
  t.equal(off.active, false);
  t.equal(ruleSet({ enabled: false }).gate?.want, 0, 'redaction disabled: the gate is off');
  t.equal(ruleSet({ custom: [{ name: 'emp', regex: 'EMP-\\d{6}' }] }).gate, undefined, 'a custom rule: no gate');
  t.equal(ruleSet({ custom: [{ name: 'emp', regex: 'EMP-\\d{6}', enabled: false }] }).gate?.want, 255, 'a custom rule that is off: a gate');
  t.equal(ruleSet({ extra_keys: ['port'] }).gate, undefined, 'a token field key (port) names a secret: no gate');
  t.equal(ruleSet({ extra_keys: ['address'] }).gate, undefined, 'a token field key (address) names a secret: no gate');
  t.equal(ruleSet({ extra_keys: ['ssn'] }).gate?.want, 255);
  // Without the rule set's GateInfo, gateConfig reads Redactor.gateInfo; a Redactor without it gets no gate.
  const r = new Redaction(redactSchema.parse({ extra_keys: ['ssn'] }));
  const direct = gateConfig(r.base);
  t.ok(direct === undefined || JSON.stringify(direct) === JSON.stringify(ruleSet({ extra_keys: ['ssn'] }).gate), 'from Redactor.gateInfo');
});

const FRAGMENTS = [
  'password', 'pass_word', 'PASS-WD', 'p.w.d', 'pwd', 'sig', 'token', 'api_key', 'X-Api-Key', 'secret', 'aws_secret_access_key',
  'SecretAccessKey', 'auth', 'Authorization', 'cookie', 'path', 'ts', 'x', '=', ':', ' : ', ' = ', '%3D', '%3d', '%3', '--', '---',
  ' --', '-', '"', "'", '\\"', '[', ']', ' ', '\t', '        ', '/', '://', '@', '.', ',', '&', '?', '\n', 'hunter22', 'abc',
  'Basic dXNlcjpwYXNz', 'Bearer ', 'bearer', 'BEARER', 'BeArEr', 'earer', 'rer', '+', '%20', '4111111111111111', '4111 1111 1111 1111',
  '4111-1111-1111-1111', '378282246310005', '3782 822463 10005', '30569309025904', '1234', '12', '0', '4111', ' 1111', '-1111',
  'eyJhbGciOiJIUzI1NiJ9', '.eyJzdWIiOiIxMjM0NTY3ODkwIn0', '.abc', 'eyJ', 'ey', 'J', 'eyJAAAAAAA.AA.', 'AKIA', 'ASIA', 'A', 'K', 'IA',
  'AKIAIOSFODNN7EXAMPLE', '-----BEGIN ', 'RSA PRIVATE KEY', '-----', '-----BEGIN PRIVATE KEY-----', 'a@b.co', 'example.com',
  'postgres://u:p@h', '{', '}', '"password":', '\\"token\\":\\"', 'é', '€', '😀', 'key2', '7', 'session-id', 'b',
  'lorem ipsum dolor sit amet, ',
];

const SECRETS = [
  '4111 1111 1111 1111', '4222222222222', '3782-822463-10005', 'a@b.co', 'a://u:p@h', 'eyJAAAAAAA.AA.', 'AKIAZQ9VX7WKZQ9VX7WK',
  '-----BEGIN PRIVATE KEY-----', 'bearer Zq9vX7wK', 'xearer cdefgh', 'pwd=x', 'token%3Dx', '--password x', 'user[token]=x',
  '"token":"x"', 'Authorization: Basic x', 'session-id: 1', 'key2=1',
];

function strings(): string[] {
  const out: string[] = [];
  const rnd = seededRandom(0x2545f491);
  for (let n = 0; n < 40_000; n++) {
    let s = '';
    const parts = 1 + rnd(n % 3 === 0 ? 24 : 6);
    for (let j = 0; j < parts; j++) s += FRAGMENTS[rnd(FRAGMENTS.length)] as string;
    out.push(s);
  }
  for (const secret of SECRETS) {
    for (let pad = 0; pad < 140; pad++) {
      for (const [l, r] of [['x', 'y'], [' ', ' '], ['é', '€'], ['1', '2'], ['-', '-']] as const) {
        out.push(l.repeat(pad) + secret + r.repeat(pad % 7));
        out.push(secret.slice(0, pad % (secret.length + 1)) + l.repeat(pad));
      }
    }
  }
  return out;
}

const RULE_SETS: [string, Settings][] = [
  ['default', {}],
  ['extra keys', { extra_keys: ['session_id', 'x', 'key2', '7'] }],
  ['url credentials only', { rules: { ...ALL_OFF, url_credentials: true } }],
  ['pairs only', { rules: { ...ALL_OFF, secret_pair: true } }],
  ['cards only', { rules: { ...ALL_OFF, payment_card: true } }],
  ['tokens only', { rules: { ...ALL_OFF, jwt: true, aws_access_key_id: true, private_key: true, bearer_token: true } }],
];

void t.test('the native gate fires wherever the JavaScript pre-check does', { skip: SKIP }, async (t) => {
  const gate = addon as GateAddon;
  const all = strings();
  for (const [name, settings] of RULE_SETS) {
    const rs = ruleSet(settings);
    const config = rs.gate;
    if (config === undefined) {
      t.fail(`${name}: no gate`);
      continue;
    }
    const pre = new Precheck(new KeyMatcher(rs.extraKeys), config.want);
    const misses: string[] = [];
    let fires = 0;
    let extra = 0;
    let same = 0;
    for (const s of all) {
      const js = s.length < 5 ? 0 : pre.flags(s);
      const native = gate.gateFlags(config, s);
      if (js !== 0) fires++;
      if (js !== 0 && native === 0 && misses.length < 20) misses.push(`${JSON.stringify(s)}: JavaScript ${js}`);
      if (js === 0 && native !== 0) extra++;
      if (js === native) same++;
    }
    t.same(misses, [], `${name}: no candidate missed`);
    t.ok(extra <= all.length / 1000, `${name}: fires where JavaScript does not on ${extra} of ${all.length} strings`);
    t.ok(fires > 1000, `${name}: ${fires} strings with a candidate`);
    t.comment(`${name}: ${all.length} strings, JavaScript fires on ${fires}, native on ${extra} more, same flags on ${same}`);
  }
});

void t.test('the native gate calls a key secret exactly when KeyMatcher does', { skip: SKIP }, async (t) => {
  const gate = addon as GateAddon;
  const keys = [
    ...strings().filter((_, i) => i % 4 === 0),
    ...FRAGMENTS,
    'db_password', 'password_policy', 'max_tokens', 'bypass', 'oauth', 'pass_', 'étoken', 'x-auth', '_pass', 'Set-Cookie', '',
  ];
  for (const [name, settings] of RULE_SETS.slice(0, 2)) {
    const rs = ruleSet(settings);
    const config = rs.gate as GateConfig;
    const matcher = new KeyMatcher(rs.extraKeys);
    const wrong = keys.filter((k) => gate.gateSecretKey(config, k) !== (matcher.classifyKey(k) !== KEY_NONE));
    t.same(wrong.slice(0, 20), [], `${name}: ${keys.length} keys`);
  }
});

void t.test('the families of the flags are the JavaScript ones', { skip: SKIP }, async (t) => {
  const gate = addon as GateAddon;
  const config = ruleSet({}).gate as GateConfig;
  const cases: [string, number][] = [
    ['4111 1111 1111 1111', F_CARD], ['mail a@b.co', F_AT], ['postgres://u:p@h/db', F_AT | F_URL], ['eyJAAAAAAA.AA.', F_JWT],
    ['AKIAZQ9VX7WKZQ9VX7WK', F_AWSID], ['-----BEGIN PRIVATE KEY-----', F_PEM], ['password=x', F_PAIR], ['bearer Zq9vX7wK', F_BEARER],
    ['pwd', 0], ['password_policy=strict', 0], ['2026-11-21T12:00:00Z status=200', 0],
  ];
  for (const [s, flags] of cases) t.equal(gate.gateFlags(config, s), flags, JSON.stringify(s));
});
