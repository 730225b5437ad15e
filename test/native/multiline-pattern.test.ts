/**
 * Multiline start patterns translated for the native engine: the translation is refused whenever the two
 * engines could disagree, and where it is accepted the Rust pattern is checked against RegExp on lines that
 * probe the differences (astral characters, Unicode spaces, case folding). The Rust side of that check runs
 * in engine.test.ts (documents equal); here the accepted/refused decisions and the produced text.
 */
import t from 'tap';
import { rustStartPattern } from '../../src/native/multiline-pattern';

void t.test('common start patterns are accepted', async (t) => {
  t.equal(rustStartPattern(/^\d{4}-/), '^[0-9]{4}\\x{2d}');
  t.equal(rustStartPattern(/^\[/), '^\\x{5b}');
  t.equal(rustStartPattern(/^(INFO|WARN|ERROR) /), '^(?:INFO|WARN|ERROR) ');
  t.equal(rustStartPattern(/^\S/), '^[^\\t\\n\\x0B\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}]');
  t.equal(rustStartPattern(/^[0-9]{4}-[0-9]{2}/), '^[0-9]{4}\\x{2d}[0-9]{2}');
  t.equal(rustStartPattern(/^\s/), '^[\\t\\n\\x0B\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}]');
  t.equal(rustStartPattern(/^[^ ]+ /), '^[^ ]+ ');
  t.equal(rustStartPattern(/^info/i), '(?i-u)^info');
  t.equal(rustStartPattern(/^.*Exception/), '^[^\\n\\r\\x{2028}\\x{2029}]*Exception');
});

void t.test('what could match differently is refused', async (t) => {
  for (const re of [
    /^\S\S/, // two units of one astral character in JavaScript, one code point in Rust
    /^.?:/, /^[^x]{2}/, /^(\S)+/, /^\w\b/, /(?<=a)b/, /(?=a)/, /^(?<level>\w+)/, /(a)\1/, /^\u0041/,
    /^é/i, /^\s/i, /^[^a]/i, /^x/u, /^x/m, /^x/s, /a$b/, /a^b/, new RegExp('[]'), /^😀/, /[\D]/,
  ]) t.equal(rustStartPattern(re), undefined, String(re));
});

void t.test('global and sticky flags are ignored, as GroupRuntime drops them', async (t) => {
  t.equal(rustStartPattern(/^\d/g), '^[0-9]');
  t.equal(rustStartPattern(/^\d/y), '^[0-9]');
});
