import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseOpenMetrics } from '../../src/scrape/formats/openmetrics';
import type { RoleValue } from '../../src/scrape/formats/exposition';

const FIX = join(__dirname, '..', 'fixtures', 'scrape');
const CASES = join(FIX, 'openmetrics-parser-tests');

interface Seen { family: string; role: RoleValue; name: string; labels: string[]; bound: number; value: number; ts: number }
function collect(text: string, strict = true) {
  const samples: Seen[] = [];
  const result = parseOpenMetrics(text, {
    sample(family, role, name, labels, bound, value, ts) {
      samples.push({ family, role, name, labels: [...labels], bound, value, ts });
    },
  }, strict);
  return { result, samples };
}

void t.test('all 211 OpenMetrics conformance cases: shouldParse honoured', async (t) => {
  const cases = readdirSync(CASES).sort();
  t.equal(cases.length, 211, 'the whole suite is here');
  let good = 0;
  let bad = 0;
  for (const c of cases) {
    const spec = JSON.parse(readFileSync(join(CASES, c, 'test.json'), 'utf8')) as { shouldParse: boolean };
    const { result } = collect(readFileSync(join(CASES, c, 'metrics'), 'utf8'));
    if (spec.shouldParse) {
      good++;
      t.equal(result.error, undefined, `${c} parses`);
    } else {
      bad++;
      t.ok(result.error, `${c} is rejected`);
      t.match(result.error?.message, /^line \d+: \S/, `${c}: error has a line number and a reason (${result.error?.message})`);
    }
  }
  t.equal(good, 44);
  t.equal(bad, 167);
});

void t.test('rejections name the line and the reason', async (t) => {
  const cases: [string, RegExp][] = [
    ['bad_blank_line', /^line 2: blank line$/],
    ['bad_no_eof', /^line 1: missing "# EOF"/],
    ['bad_text_after_eof_0', /^line 3: text after "# EOF"$/],
    ['bad_counter_values_1', /^line 2: counter "a_total" is negative or NaN$/],
    ['bad_histograms_11', /^line 4: "a": _count and _sum must both be present or both absent$/],
    ['bad_histograms_12', /le "\+INF" must be written \+Inf/],
    ['bad_grouping_or_ordering_4', /^line 3: timestamps of "a" go backwards$/],
    ['bad_exemplars_6', /exemplar labels have 129 characters \(at most 128\)/],
    ['bad_exemplars_on_unallowed_metric_types_0', /exemplars are only allowed on counter _total and histogram _bucket samples/],
    ['bad_clashing_names_2', /samples "a_created" of "a" clash with family "a_created"/],
    ['bad_unit_4', /metric name "a" must end with its unit "_seconds"/],
    ['bad_type_7', /unknown metric type "untyped"/],
    ['bad_invalid_labels_2', /duplicate label name "a"/],
    ['bad_missing_or_extra_commas_2', /invalid label name/],
    ['bad_metadata_in_wrong_place_0', /^line 3: # TYPE for "a" after its samples$/],
  ];
  for (const [c, re] of cases) {
    const { result } = collect(readFileSync(join(CASES, c, 'metrics'), 'utf8'));
    t.match(result.error?.message, re, c);
  }
});

void t.test('samples of valid cases: names, roles, bounds, values and timestamps in ms', async (t) => {
  let r = collect(readFileSync(join(CASES, 'simple_histogram', 'metrics'), 'utf8'));
  t.same(r.samples.map((s) => [s.family, s.role, s.name, s.bound, s.value]), [
    ['a', 2, 'a_bucket', 1, 0],
    ['a', 2, 'a_bucket', Infinity, 3],
    ['a', 3, 'a_count', NaN, 3],
    ['a', 4, 'a_sum', NaN, 2],
  ]);
  r = collect(readFileSync(join(CASES, 'timestamps', 'metrics'), 'utf8'));
  t.same(r.samples.map((s) => s.ts), [0, 0, 1100, Number("12345678901234567890.1234567890") * 1000, 1_500_000, 1_234_567_890_000]);
  r = collect(readFileSync(join(CASES, 'escaping', 'metrics'), 'utf8'));
  t.same(r.samples.map((s) => s.labels[1]), ['b"a\nr', 'b\\a\\z', 'b"a\nr # ', 'b\\a\\z # ']);
  r = collect(readFileSync(join(CASES, 'simple_stateset', 'metrics'), 'utf8'));
  t.same(r.samples.map((s) => [s.role, s.labels, s.value]), [[8, ['a', 'bar'], 0], [8, ['a', 'foo'], 1]]);
  r = collect(readFileSync(join(CASES, 'uint64_counter', 'metrics'), 'utf8'));
  t.same(r.samples.map((s) => [s.family, s.name, s.value]), [['a', 'a_total', 9223372036854775808]]);
  t.equal(r.result.families, 1);
});

void t.test('client_golang payload with negative histogram buckets: strict rejects, lenient keeps and counts', async (t) => {
  const text = readFileSync(join(FIX, 'textparse', 'alltypes.5mfs.om.txt'), 'utf8');
  const strict = collect(text, true);
  t.match(strict.result.error?.message, /^line 36: "rpc_durations_histogram_seconds": a histogram with negative buckets must not have a _sum$/);
  const lenient = collect(text, false);
  t.equal(lenient.result.error, undefined);
  t.equal(lenient.result.families, 5);
  t.equal(lenient.result.samples, 53);
  t.equal(lenient.result.violations, 3);
  t.match(lenient.result.firstViolation, /^line 36: /);
  const mismatch = collect('# TYPE a histogram\na_bucket{le="+Inf"} 0\na_count 1\na_sum 0\n# EOF\n');
  t.match(mismatch.result.error?.message, /^line 5: "a": _count \(1\) differs from the \+Inf bucket \(0\)$/);
  const one = collect(readFileSync(join(FIX, 'textparse', '1histogram.om.txt'), 'utf8'));
  t.equal(one.result.error, undefined);
  t.equal(one.result.samples, 42);
});
