import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePrometheusText } from '../../src/scrape/formats/prom-text';
import { Role } from '../../src/scrape/formats/exposition';

const FIX = join(__dirname, '..', 'fixtures', 'scrape');
const read = (p: string): string => readFileSync(join(FIX, p), 'utf8');

function collect(text: string) {
  const samples: { family: string; role: number; name: string; labels: string[]; bound: number; value: number; ts: number }[] = [];
  const result = parsePrometheusText(text, {
    sample(family, role, name, labels, bound, value, ts) {
      samples.push({ family, role, name, labels: [...labels], bound, value, ts });
    },
  });
  return { result, samples };
}

void t.test('expfmt fuzz corpus: valid inputs parse with the right sample counts', async (t) => {
  const valid: [string, number, number][] = [
    ['fuzz-corpus.from_test_parse_0.txt', 0, 0],
    ['fuzz-corpus.from_test_parse_1.txt', 4, 3],
    ['fuzz-corpus.from_test_parse_2.txt', 2, 4],
    ['fuzz-corpus.from_test_parse_3.txt', 4, 12],
    ['fuzz-corpus.from_test_parse_4.txt', 1, 7],
    ['fuzz-corpus.minimal.txt', 1, 1],
    ['testdata.text.prom', 37, 248],
  ];
  for (const [file, families, samples] of valid) {
    const { result } = collect(read(`expfmt/${file}`));
    t.equal(result.error, undefined, `${file} parses`);
    t.equal(result.families, families, `${file} families`);
    t.equal(result.samples, samples, `${file} samples`);
  }
});

void t.test('expfmt fuzz corpus: every invalid input is rejected with its line and reason', async (t) => {
  const invalid: [number, RegExp][] = [
    [0, /^line 1: the last line does not end with a line feed/],
    [1, /^line 1: invalid escape sequence "\\t" in label value$/],
    [2, /^line 2: label value has no closing quote$/],
    [3, /^line 1: invalid label name$/],
    [4, /^line 1: label name "__name__" is reserved$/],
    [5, /^line 1: expected "=" after label name "label"$/],
    [6, /^line 1: the value of label "label" must be quoted$/],
    [7, /^line 3: expected a number as value of the "quantile" label of "metric", got "bla"$/],
    [8, /^line 1: expected "," or "}" after a label value$/],
    [9, /^line 1: invalid timestamp "2.72" \(expected integer milliseconds\)$/],
    [10, /^line 1: unexpected text after the timestamp$/],
    [11, /^line 1: invalid value "blubb" for "metric"$/],
    [12, /^line 3: second HELP line for metric name "metric"$/],
    [13, /^line 3: second TYPE line for metric name "metric"$/],
    [14, /^line 3: TYPE line for metric name "metric" after its samples$/],
    [15, /^line 2: unknown metric type "bla"$/],
    [16, /^line 2: invalid metric name in TYPE line$/],
    [17, /^line 1: invalid metric name$/],
    [18, /^line 1: a sample must start with a metric name/],
    [19, /^line 3: expected a number as value of the "le" label of "metric_bucket", got "bla"$/],
  ];
  for (const [n, re] of invalid) {
    const { result, samples } = collect(read(`expfmt/fuzz-corpus.from_test_parse_error_${n}.txt`));
    t.match(result.error?.message, re, `error_${n}`);
    t.ok(samples.every((s) => s.name !== '' ), `error_${n}: only complete samples delivered`);
  }
});

void t.test('the Go parser semantics: blanks, trailing commas, interleaved summaries, suffix resolution', async (t) => {
  const { result, samples } = collect(read('expfmt/fuzz-corpus.from_test_parse_3.txt'));
  t.equal(result.error, undefined);
  const byName = samples.map((s) => [s.family, s.role, s.name, s.bound, s.value, s.ts]);
  t.same(byName, [
    ['my_summary', Role.quantile, 'my_summary', 0.5, 110, NaN],
    ['decoy', Role.value, 'decoy', NaN, -1, -2],
    ['my_summary', Role.quantile, 'my_summary', 0.9, 140, 1],
    ['my_summary', Role.count, 'my_summary_count', NaN, 42, NaN],
    ['my_summary', Role.sum, 'my_summary_sum', NaN, 4711, 2],
    ['fake_sum', Role.value, 'fake_sum', NaN, 2001, NaN],
    ['another_summary', Role.count, 'another_summary_count', NaN, 20, NaN],
    ['my_summary', Role.count, 'my_summary_count', NaN, 5, 5],
    ['another_summary', Role.quantile, 'another_summary', 0.3, -1.2, NaN],
    ['my_summary', Role.sum, 'my_summary_sum', NaN, 8, 15],
    ['my_summary', Role.quantile, 'my_summary', 0.2, 4711, NaN],
    ['my_summary', Role.quantile, 'my_summary', -12.34, NaN, NaN],
  ]);
  const two = collect(read('expfmt/fuzz-corpus.from_test_parse_2.txt'));
  t.same(two.samples.map((s) => [s.name, s.labels, s.value, s.ts]), [
    ['name', ['labelname', 'val1', 'basename', 'basevalue'], NaN, NaN],
    ['name', ['labelname', 'val2', 'basename', 'base"v\\al\nue'], 0.23, 1234567890],
    ['name2', ['labelname', 'val2', 'basename', 'basevalue2'], Infinity, 54321],
    ['name2', ['labelname', 'val1'], -Infinity, NaN],
  ]);
});

void t.test('alltypes.237mfs: exact families and samples of a real Prometheus /metrics', async (t) => {
  const text = read('textparse/alltypes.237mfs.prom.txt');
  const { result, samples } = collect(text);
  t.equal(result.error, undefined);
  t.equal(result.families, 237, '237 metric families (one # TYPE each)');
  t.equal(result.samples, 1857, '1857 sample lines');
  const roles = new Map<number, number>();
  for (const s of samples) roles.set(s.role, (roles.get(s.role) ?? 0) + 1);
  // Independent count of the lines by suffix in the fixture.
  const lines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  t.equal(roles.get(Role.bucket), lines.filter((l) => /^\w+_bucket\{/.test(l)).length, 'buckets');
  t.equal(roles.get(Role.quantile), lines.filter((l) => /quantile="/.test(l)).length, 'quantiles');
});

void t.test('the documented text-format example: its broken UTF-8 line is reported, what precedes it parsed', async (t) => {
  const { result, samples } = collect(read('exposition_formats.text-format-example.prom'));
  t.match(result.error?.message, /^line \d+: a sample must start with a metric name \(quoted UTF-8 names are not supported\)$/);
  t.ok(samples.length >= 3, 'samples before the error were delivered');
  t.ok(samples.some((s) => s.name === 'http_requests_total' && s.ts === 1395066363000));
});
