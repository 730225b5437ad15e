/**
 * Prometheus text exposition format 0.0.4, parsed by hand with the semantics of the Go parser
 * (prometheus/common expfmt): arbitrary blanks and tabs between tokens, a trailing comma in label sets,
 * `# HELP`/`# TYPE` before the first sample of their metric, other `#` lines are comments, timestamps are
 * int64 milliseconds, samples of one family may be interleaved (summaries and histograms are grouped by the
 * caller), and the last line must end with a line feed.
 */
import { ExpositionError, Role, emptyResult, type ParseResult, type RoleValue, type SampleHandler } from './exposition';
import { lex, parseIntegerMs, parseNumber, readQuoted, scanLabelName, scanMetricName } from './lex';

type TextType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
const TEXT_TYPES = new Set<string>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

interface TextFamily {
  readonly name: string;
  type: TextType;
  help: boolean;
  typed: boolean;
  samples: number;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

class TextParser {
  readonly #s: string;
  readonly #h: SampleHandler;
  readonly #families = new Map<string, TextFamily>();
  readonly #labels: string[] = [];
  readonly #result: ParseResult = emptyResult();
  #line = 0;
  #dryRun = false;
  // Consecutive samples usually share a name: remember the last resolution.
  #lastName = '';
  #lastFamily: TextFamily | undefined;
  #lastRole: RoleValue = Role.value;

  constructor(s: string, h: SampleHandler) {
    this.#s = s;
    this.#h = h;
  }

  run(): ParseResult {
    const s = this.#s;
    const len = s.length;
    let pos = 0;
    try {
      while (pos < len) {
        const nl = s.indexOf('\n', pos);
        this.#line++;
        if (nl === -1) {
          if (this.#skipBlank(pos, len) === len) break;
          // Report what is wrong with the line itself first, but deliver nothing from it: it may be cut.
          this.#dryRun = true;
          this.#parseLine(pos, len);
          throw this.#fail('the last line does not end with a line feed (truncated payload?)');
        }
        this.#parseLine(pos, nl);
        pos = nl + 1;
      }
    } catch (err) {
      if (!(err instanceof ExpositionError)) throw err;
      this.#result.error = err;
    }
    this.#result.families = this.#families.size;
    return this.#result;
  }

  #fail(reason: string): ExpositionError {
    return new ExpositionError(this.#line, reason);
  }

  #skipBlank(i: number, b: number): number {
    const s = this.#s;
    while (i < b && isBlank(s.charCodeAt(i))) i++;
    return i;
  }

  #parseLine(a: number, b: number): void {
    a = this.#skipBlank(a, b);
    if (a === b) return;
    if (this.#s.charCodeAt(a) === 35) this.#comment(a + 1, b);
    else this.#sample(a, b);
  }

  #family(name: string): TextFamily {
    let f = this.#families.get(name);
    if (f === undefined) {
      f = { name, type: 'untyped', help: false, typed: false, samples: 0 };
      this.#families.set(name, f);
    }
    return f;
  }

  #comment(a: number, b: number): void {
    const s = this.#s;
    let i = this.#skipBlank(a, b);
    let j = i;
    while (j < b && !isBlank(s.charCodeAt(j))) j++;
    if (j === b) return;
    const keyword = s.slice(i, j);
    if (keyword !== 'HELP' && keyword !== 'TYPE') return;
    i = this.#skipBlank(j, b);
    if (i === b) return;
    const k = scanMetricName(s, i, b);
    if (k === b) return;
    if (!isBlank(s.charCodeAt(k))) throw this.#fail(`invalid metric name in ${keyword} line`);
    const family = this.#family(s.slice(i, k));
    i = this.#skipBlank(k, b);
    if (i === b) return;
    if (keyword === 'HELP') {
      if (family.help) throw this.#fail(`second HELP line for metric name "${family.name}"`);
      family.help = true;
      return;
    }
    if (family.typed) throw this.#fail(`second TYPE line for metric name "${family.name}"`);
    if (family.samples > 0) throw this.#fail(`TYPE line for metric name "${family.name}" after its samples`);
    let e = b;
    while (e > i && isBlank(s.charCodeAt(e - 1))) e--;
    const type = s.slice(i, e);
    if (!TEXT_TYPES.has(type)) throw this.#fail(`unknown metric type "${type}"`);
    family.type = type as TextType;
    family.typed = true;
  }

  #sample(a: number, b: number): void {
    const s = this.#s;
    const nameEnd = scanMetricName(s, a, b);
    if (nameEnd === a) {
      throw this.#fail(s.charCodeAt(a) === 123 ? 'a sample must start with a metric name (quoted UTF-8 names are not supported)' : 'invalid metric name');
    }
    const name = s.slice(a, nameEnd);
    const labels = this.#labels;
    labels.length = 0;
    let i = this.#skipBlank(nameEnd, b);
    if (i < b && s.charCodeAt(i) === 123) i = this.#parseLabels(i + 1, b);
    i = this.#skipBlank(i, b);
    let j = i;
    while (j < b && !isBlank(s.charCodeAt(j))) j++;
    if (j === i) throw this.#fail(`expected a value for "${name}"`);
    const value = parseNumber(s, i, j);
    if (value === undefined) throw this.#fail(`invalid value "${s.slice(i, j)}" for "${name}"`);
    i = this.#skipBlank(j, b);
    let ts = NaN;
    if (i < b) {
      j = i;
      while (j < b && !isBlank(s.charCodeAt(j))) j++;
      const parsed = parseIntegerMs(s, i, j);
      if (parsed === undefined) throw this.#fail(`invalid timestamp "${s.slice(i, j)}" (expected integer milliseconds)`);
      ts = parsed;
      if (this.#skipBlank(j, b) < b) throw this.#fail('unexpected text after the timestamp');
    }
    this.#resolve(name);
    const family = this.#lastFamily as TextFamily;
    const role = this.#lastRole;
    let bound = NaN;
    if (role === Role.bucket) bound = this.#bound('le', name);
    else if (role === Role.quantile) bound = this.#bound('quantile', name);
    if (this.#dryRun) return;
    family.samples++;
    this.#result.samples++;
    this.#h.sample(family.name, role, name, labels, bound, value, ts);
  }

  #bound(label: string, name: string): number {
    const labels = this.#labels;
    for (let k = 0; k < labels.length; k += 2) {
      if (labels[k] === label) {
        const text = labels[k + 1] as string;
        const v = parseNumber(text, 0, text.length);
        if (v === undefined || Number.isNaN(v)) throw this.#fail(`expected a number as value of the "${label}" label of "${name}", got "${text}"`);
        return v;
      }
    }
    throw this.#fail(`"${name}" has no "${label}" label`);
  }

  /** Family and role of a sample name, as the Go parser resolves them (suffixes only for typed families). */
  #resolve(name: string): void {
    if (name === this.#lastName && this.#lastFamily !== undefined) return;
    this.#lastName = name;
    const direct = this.#families.get(name);
    if (direct !== undefined) {
      this.#lastFamily = direct;
      this.#lastRole = direct.type === 'summary' ? Role.quantile : Role.value;
      return;
    }
    const base = suffixBase(name);
    if (base !== undefined) {
      const f = this.#families.get(base.family);
      if (f !== undefined && (f.type === 'histogram' || (f.type === 'summary' && base.role !== Role.bucket))) {
        this.#lastFamily = f;
        this.#lastRole = base.role;
        return;
      }
    }
    this.#lastFamily = this.#family(name);
    this.#lastRole = Role.value;
  }

  #parseLabels(i: number, b: number): number {
    const s = this.#s;
    const labels = this.#labels;
    for (;;) {
      i = this.#skipBlank(i, b);
      if (i < b && s.charCodeAt(i) === 125) return i + 1;
      const ne = scanLabelName(s, i, b);
      if (ne === i) throw this.#fail('invalid label name');
      const lname = s.slice(i, ne);
      if (lname === '__name__') throw this.#fail('label name "__name__" is reserved');
      for (let k = 0; k < labels.length; k += 2) if (labels[k] === lname) throw this.#fail(`duplicate label name "${lname}"`);
      i = this.#skipBlank(ne, b);
      if (i >= b || s.charCodeAt(i) !== 61) throw this.#fail(`expected "=" after label name "${lname}"`);
      i = this.#skipBlank(i + 1, b);
      if (i >= b || s.charCodeAt(i) !== 34) throw this.#fail(`the value of label "${lname}" must be quoted`);
      const value = readQuoted(s, i + 1, b, true);
      if (value === undefined) throw this.#fail(lex.error);
      labels.push(lname, value);
      i = this.#skipBlank(lex.end, b);
      const c = i < b ? s.charCodeAt(i) : -1;
      if (c === 44) i++;
      else if (c === 125) return i + 1;
      else throw this.#fail('expected "," or "}" after a label value');
    }
  }
}

const SUFFIXES: readonly [string, RoleValue][] = [
  ['_bucket', Role.bucket],
  ['_count', Role.count],
  ['_sum', Role.sum],
];

function suffixBase(name: string): { family: string; role: RoleValue } | undefined {
  for (const [suffix, role] of SUFFIXES) {
    if (name.length > suffix.length && name.endsWith(suffix)) return { family: name.slice(0, -suffix.length), role };
  }
  return undefined;
}

/** Parse a text-format payload, delivering each sample to `handler`; stops at the first error. */
export function parsePrometheusText(text: string, handler: SampleHandler): ParseResult {
  return new TextParser(text, handler).run();
}
