/**
 * The syntax of one OpenMetrics sample line, checked strictly: metric name, label set (`name="value"` joined
 * by single commas, no blanks, no trailing comma), value, optional timestamp in float seconds, optional
 * exemplar (`# {labels} value [timestamp]`, at most 128 code points of labels). Syntax only: which family a
 * sample belongs to and the value rules are openmetrics.ts's. As in lex.ts, a syntax error returns false with
 * the reason in `lex.error` (the caller adds the line number).
 */
import { codePoints, lex, parseNumber, parseRealNumber, readQuoted, scanLabelName, scanMetricName } from './lex';

/** One sample line, read into fields the parser reuses line after line (no object per sample). */
export class SampleLine {
  name = '';
  value = 0;
  /** Float seconds, NaN when the sample has none. */
  timestampS = NaN;
  exemplar = false;

  /**
   * Reads the line `s[a, b)`: its labels into `labels` ([name, value, ...], emptied first), the rest into
   * this object. False with `lex.error` set on a syntax error.
   */
  read(s: string, a: number, b: number, labels: string[]): boolean {
    const nameEnd = scanMetricName(s, a, b);
    if (nameEnd === a) return syntaxError('invalid metric name');
    const name = s.slice(a, nameEnd);
    labels.length = 0;
    let i = nameEnd;
    if (i < b && s.charCodeAt(i) === 123) {
      i = lexLabels(s, i + 1, b, labels);
      if (i === -1) return false;
    }
    if (i >= b || s.charCodeAt(i) !== 32) return syntaxError(`expected a space and a value after "${name}"${i < b ? `, got "${s[i] ?? ''}"` : ''}`);
    i++;
    let j = s.indexOf(' ', i);
    if (j === -1 || j > b) j = b;
    const value = parseNumber(s, i, j);
    if (value === undefined) return syntaxError(`invalid value "${s.slice(i, j)}" for "${name}"`);
    let ts = NaN;
    let exemplar = false;
    if (j < b) {
      i = j + 1;
      if (s.charCodeAt(i) !== 35) {
        j = s.indexOf(' ', i);
        if (j === -1 || j > b) j = b;
        const t = parseRealNumber(s, i, j);
        if (t === undefined) return syntaxError(`invalid timestamp "${s.slice(i, j)}" (expected seconds)`);
        ts = t;
        i = j + 1;
      }
      if (j < b) {
        if (s.charCodeAt(i) !== 35 || s.charCodeAt(i + 1) !== 32) return syntaxError('unexpected text after the value (an exemplar starts with " # {")');
        if (!lexExemplar(s, i + 2, b)) return false;
        exemplar = true;
      }
    }
    this.name = name;
    this.value = value;
    this.timestampS = ts;
    this.exemplar = exemplar;
    return true;
  }
}

function syntaxError(reason: string): false {
  lex.error = reason;
  return false;
}

/** The exemplar from its label set at `i` to the end of the line `b`; it is validated, not kept. */
function lexExemplar(s: string, i: number, b: number): boolean {
  if (s.charCodeAt(i) !== 123) return syntaxError('an exemplar must start with a label set "{...}"');
  const labels: string[] = [];
  i = lexLabels(s, i + 1, b, labels);
  if (i === -1) return false;
  let chars = 0;
  for (const l of labels) chars += codePoints(l);
  if (chars > 128) return syntaxError(`exemplar labels have ${chars} characters (at most 128)`);
  if (s.charCodeAt(i) !== 32) return syntaxError('expected a space and a value after the exemplar labels');
  i++;
  let j = s.indexOf(' ', i);
  if (j === -1 || j > b) j = b;
  if (parseNumber(s, i, j) === undefined) return syntaxError(`invalid exemplar value "${s.slice(i, j)}"`);
  if (j < b && parseRealNumber(s, j + 1, b) === undefined) return syntaxError(`invalid exemplar timestamp "${s.slice(j + 1, b)}"`);
  return true;
}

/** The label set after its `{` at `i`, pushed onto `labels`; the index past its `}`, or -1 with `lex.error`. */
function lexLabels(s: string, i: number, b: number, labels: string[]): number {
  if (i < b && s.charCodeAt(i) === 125) return i + 1;
  for (;;) {
    const ne = scanLabelName(s, i, b);
    if (ne === i) return labelError('invalid label name');
    const lname = s.slice(i, ne);
    for (let k = 0; k < labels.length; k += 2) if (labels[k] === lname) return labelError(`duplicate label name "${lname}"`);
    if (s.charCodeAt(ne) !== 61) return labelError(`expected "=" after label name "${lname}"`);
    if (s.charCodeAt(ne + 1) !== 34) return labelError(`the value of label "${lname}" must be in double quotes`);
    const value = readQuoted(s, ne + 2, b, false);
    if (value === undefined) return -1;
    labels.push(lname, value);
    i = lex.end;
    const c = i < b ? s.charCodeAt(i) : -1;
    if (c === 125) return i + 1;
    if (c !== 44) return labelError('expected "," or "}" after a label value');
    i++;
  }
}

function labelError(reason: string): -1 {
  lex.error = reason;
  return -1;
}
