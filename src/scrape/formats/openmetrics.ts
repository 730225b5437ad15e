/**
 * OpenMetrics 1.0 text format (`application/openmetrics-text; version=1.0.0`): the line loop and the
 * structure and value rules of the specification: strict single spaces, `# EOF` last, no blank lines,
 * metadata before samples, families and metric points not interleaved, the sample names each type allows,
 * exemplars only on counter `_total` and histogram `_bucket` samples, timestamps that never go backwards
 * within a metric. Value rules (see ParseResult.violations) are errors when strict. The syntax of a sample
 * line is openmetrics-line.ts's, the state of a metric point group openmetrics-group.ts's.
 */
import { ExpositionError, Role, emptyResult, type ParseResult, type RoleValue, type SampleHandler } from './exposition';
import { lex, parseNumber, scanMetricName } from './lex';
import { SampleLine } from './openmetrics-line';
import { emptyGroup, endGroupViolation, type Group } from './openmetrics-group';

export type OmType = 'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'stateset' | 'info' | 'summary' | 'unknown';

/** Sample-name suffixes each type owns (besides the bare family name where listed with ''). */
const OWNED: Record<OmType, readonly [string, RoleValue][]> = {
  counter: [['_total', Role.value], ['_created', Role.created]],
  gauge: [['', Role.value]],
  unknown: [['', Role.value]],
  info: [['_info', Role.value]],
  stateset: [['', Role.state]],
  summary: [['', Role.quantile], ['_sum', Role.sum], ['_count', Role.count], ['_created', Role.created]],
  histogram: [['_bucket', Role.bucket], ['_sum', Role.sum], ['_count', Role.count], ['_created', Role.created]],
  gaugehistogram: [['_bucket', Role.bucket], ['_gsum', Role.gsum], ['_gcount', Role.gcount]],
};

interface Family {
  readonly name: string;
  type: OmType;
  typed: boolean;
  help: boolean;
  unit: string | undefined;
  samples: number;
  /** Label sets (minus le/quantile/state) whose metric points are finished: seeing one again is an error. */
  readonly doneGroups: Set<string>;
}

class OpenMetricsParser {
  readonly #s: string;
  readonly #h: SampleHandler;
  readonly #strict: boolean;
  readonly #result: ParseResult = emptyResult();
  readonly #seen = new Set<string>();
  /** Sample name → the family that owns it (clash detection across families). */
  readonly #claimed = new Map<string, string>();
  readonly #labels: string[] = [];
  readonly #sampleLine = new SampleLine();
  #line = 0;
  #family: Family | undefined;
  #group: Group = emptyGroup('');
  #lastName = '';
  #lastRole: RoleValue | -1 = -1;

  constructor(s: string, h: SampleHandler, strict: boolean) {
    this.#s = s;
    this.#h = h;
    this.#strict = strict;
  }

  run(): ParseResult {
    const s = this.#s;
    const len = s.length;
    let pos = 0;
    let eof = false;
    try {
      while (pos < len) {
        const nl = s.indexOf('\n', pos);
        const end = nl === -1 ? len : nl;
        this.#line++;
        if (eof) throw this.#fail('text after "# EOF"');
        if (end === pos) throw this.#fail('blank line');
        if (s.charCodeAt(pos) === 35) {
          if (end - pos === 5 && s.startsWith('# EOF', pos)) {
            this.#endFamily();
            eof = true;
          } else this.#metadata(pos, end);
        } else this.#sample(pos, end);
        pos = end + 1;
      }
      if (!eof) {
        this.#line++;
        throw this.#fail('missing "# EOF" at the end (truncated payload?)');
      }
    } catch (err) {
      if (!(err instanceof ExpositionError)) throw err;
      this.#result.error = err;
    }
    this.#result.families = this.#seen.size;
    return this.#result;
  }

  #fail(reason: string): ExpositionError {
    return new ExpositionError(this.#line, reason);
  }

  #violate(reason: string): void {
    if (this.#strict) throw this.#fail(reason);
    if (this.#result.violations++ === 0) this.#result.firstViolation = `line ${this.#line}: ${reason}`;
  }

  #startFamily(name: string): Family {
    this.#endFamily();
    if (this.#seen.has(name)) throw this.#fail(`metric family "${name}" appears twice (families must not be interleaved)`);
    const owner = this.#claimed.get(name);
    if (owner !== undefined) throw this.#fail(`metric family "${name}" clashes with the samples of family "${owner}"`);
    this.#seen.add(name);
    this.#claimed.set(name, name);
    const f: Family = { name, type: 'unknown', typed: false, help: false, unit: undefined, samples: 0, doneGroups: new Set() };
    this.#family = f;
    this.#lastName = '';
    return f;
  }

  #endFamily(): void {
    const f = this.#family;
    if (f === undefined) return;
    this.#endGroup(f);
    this.#family = undefined;
  }

  #endGroup(f: Family): void {
    const g = this.#group;
    if (g.samples === 0) return;
    const problem = endGroupViolation(f.type, g);
    if (problem !== undefined) this.#violate(`"${f.name}": ${problem}`);
    f.doneGroups.add(g.key);
    this.#group = emptyGroup('');
  }

  #metadata(a: number, b: number): void {
    const s = this.#s;
    const k = a + 2;
    let kind: 'HELP' | 'TYPE' | 'UNIT';
    if (s.startsWith('# HELP ', a)) kind = 'HELP';
    else if (s.startsWith('# TYPE ', a)) kind = 'TYPE';
    else if (s.startsWith('# UNIT ', a)) kind = 'UNIT';
    else throw this.#fail(`"${s.slice(a, Math.min(b, a + 20))}": a "#" line must be "# HELP", "# TYPE", "# UNIT" or "# EOF"`);
    const i = k + 5;
    const ne = scanMetricName(s, i, b);
    if (ne === i) throw this.#fail(`invalid metric name in # ${kind}`);
    const name = s.slice(i, ne);
    if (ne === b) throw this.#fail(`"# ${kind} ${name}" needs a space and a ${kind === 'HELP' ? 'text' : kind === 'TYPE' ? 'type' : 'unit'}`);
    if (s.charCodeAt(ne) !== 32) throw this.#fail(`invalid metric name in # ${kind}`);
    const rest = s.slice(ne + 1, b);
    let f = this.#family;
    if (f === undefined || f.name !== name) f = this.#startFamily(name);
    else if (f.samples > 0) throw this.#fail(`# ${kind} for "${name}" after its samples`);
    if (kind === 'HELP') {
      if (f.help) throw this.#fail(`second # HELP for "${name}"`);
      f.help = true;
    } else if (kind === 'TYPE') {
      if (f.typed) throw this.#fail(`second # TYPE for "${name}"`);
      if (!(rest in OWNED)) throw this.#fail(`unknown metric type "${rest}"`);
      f.type = rest as OmType;
      f.typed = true;
      if (f.unit !== undefined && (f.type === 'info' || f.type === 'stateset')) throw this.#fail(`a ${f.type} cannot have a unit`);
      for (const [suffix] of OWNED[f.type]) {
        const owned = name + suffix;
        const owner = this.#claimed.get(owned);
        if (owner !== undefined && owner !== name) throw this.#fail(`samples "${owned}" of "${name}" clash with family "${owner}"`);
        this.#claimed.set(owned, name);
      }
    } else {
      if (f.unit !== undefined) throw this.#fail(`second # UNIT for "${name}"`);
      if (f.type === 'info' || f.type === 'stateset') throw this.#fail(`a ${f.type} cannot have a unit`);
      if (rest !== '' && !name.endsWith(`_${rest}`)) throw this.#fail(`metric name "${name}" must end with its unit "_${rest}"`);
      f.unit = rest;
    }
  }

  /** The role of `name` in family `f`, or -1 when it does not belong to it. */
  #roleIn(f: Family, name: string): RoleValue | -1 {
    if (name === this.#lastName) return this.#lastRole;
    let role: RoleValue | -1 = -1;
    const base = f.name;
    if (name.startsWith(base)) {
      const suffix = name.length === base.length ? '' : name.slice(base.length);
      for (const [sfx, r] of OWNED[f.type]) if (sfx === suffix) role = r;
    }
    this.#lastName = name;
    this.#lastRole = role;
    return role;
  }

  #sample(a: number, b: number): void {
    const labels = this.#labels;
    const line = this.#sampleLine;
    if (!line.read(this.#s, a, b, labels)) throw this.#fail(lex.error);
    const { name, value, timestampS: ts, exemplar } = line;
    let f = this.#family;
    let role = f === undefined ? -1 : this.#roleIn(f, name);
    if (f === undefined || role === -1) {
      f = this.#startFamily(name);
      role = Role.value;
      this.#lastName = name;
      this.#lastRole = role;
    }
    if (exemplar && !((f.type === 'counter' && role === Role.value) || role === Role.bucket)) {
      throw this.#fail(`exemplars are only allowed on counter _total and histogram _bucket samples, not on "${name}"`);
    }
    const bound = this.#checkSample(f, role, name, value, ts);
    f.samples++;
    this.#result.samples++;
    this.#h.sample(f.name, role, name, labels, bound, value, ts === ts ? ts * 1000 : NaN);
  }

  /** Group bookkeeping and the per-type rules; returns the le/quantile bound (NaN otherwise). */
  #checkSample(f: Family, role: RoleValue, name: string, value: number, ts: number): number {
    const labels = this.#labels;
    const excluded = role === Role.bucket ? 'le' : role === Role.quantile ? 'quantile' : role === Role.state ? f.name : '';
    let key = '';
    let boundText: string | undefined;
    for (let k = 0; k < labels.length; k += 2) {
      const ln = labels[k] as string;
      if (ln === excluded) boundText = labels[k + 1];
      else key += `${ln}\u0000${labels[k + 1] as string}\u0001`;
    }
    let g = this.#group;
    if (g.samples === 0 || g.key !== key) {
      this.#endGroup(f);
      if (f.doneGroups.has(key)) throw this.#fail(`samples of "${f.name}" with the same labels are not contiguous`);
      g = this.#group = emptyGroup(key);
    }
    g.samples++;
    const tsMode = ts === ts ? 2 : 1;
    if (g.tsMode === 0) g.tsMode = tsMode;
    else if (g.tsMode !== tsMode) throw this.#fail(`some samples of "${f.name}" have a timestamp and others do not`);
    if (tsMode === 2) {
      if (ts < g.lastTs) throw this.#fail(`timestamps of "${f.name}" go backwards`);
      g.lastTs = ts;
    }
    if (excluded !== '' && boundText === undefined) throw this.#fail(`"${name}" has no "${excluded}" label`);
    switch (role) {
      case Role.value:
        if (f.type === 'counter' && !(value >= 0)) this.#violate(`counter "${name}" is negative or NaN`);
        else if (f.type === 'info' && value !== 1) this.#violate(`info "${name}" must have the value 1`);
        return NaN;
      case Role.state:
        if (value !== 0 && value !== 1) this.#violate(`stateset "${name}" must be 0 or 1`);
        return NaN;
      case Role.quantile: {
        const q = parseNumber(boundText as string, 0, (boundText as string).length);
        if (q === undefined || q !== q) throw this.#fail(`invalid quantile "${boundText as string}" on "${name}"`);
        if (q < 0 || q > 1) this.#violate(`quantile ${q} of "${name}" is outside [0, 1]`);
        if (value < 0) this.#violate(`summary quantile value of "${name}" is negative`);
        return q;
      }
      case Role.bucket: {
        const text = boundText as string;
        const le = parseNumber(text, 0, text.length);
        if (le === undefined || le !== le) throw this.#fail(`invalid le "${text}" on "${name}"`);
        if ((le === Infinity && text !== '+Inf') || (le === -Infinity && text !== '-Inf')) throw this.#fail(`le "${text}" must be written +Inf or -Inf`);
        if (!(value >= 0)) this.#violate(`bucket of "${name}" is negative or NaN`);
        if (le <= g.lastLe) this.#violate(`buckets of "${f.name}" are not in increasing le order`);
        if (value < g.lastBucket) this.#violate(`bucket counts of "${f.name}" decrease`);
        g.lastLe = le;
        g.lastBucket = value;
        g.buckets++;
        if (le === Infinity) g.inf = value;
        if (le < 0) g.negative = true;
        return le;
      }
      case Role.count:
      case Role.gcount:
        if (!(value >= 0)) this.#violate(`"${name}" is negative or NaN`);
        g.count = value;
        g.hasCount = true;
        return NaN;
      case Role.sum:
      case Role.gsum:
        if (value !== value) this.#violate(`"${name}" is NaN`);
        else if (f.type === 'summary' && value < 0) this.#violate(`"${name}" is negative`);
        g.sum = value;
        g.hasSum = true;
        return NaN;
      default:
        return NaN;
    }
  }
}

/**
 * Parse an OpenMetrics payload, delivering each sample to `handler` (timestamps converted to ms); stops at
 * the first error. `strict` turns value-rule violations into errors (conformance); scraping runs lenient.
 */
export function parseOpenMetrics(text: string, handler: SampleHandler, strict = true): ParseResult {
  return new OpenMetricsParser(text, handler, strict).run();
}
