import t from 'tap';
import { isLabelNameChar, isLabelNameStart, isMetricNameChar, isMetricNameStart, scanLabelName, scanMetricName } from '../../src/scrape/formats/lex';

void t.test('character classes (one table lookup) match the grammar for every UTF-16 code unit', async (t) => {
  const classes: [string, (c: number) => boolean, RegExp][] = [
    ['metric name start', isMetricNameStart, /^[a-zA-Z_:]$/],
    ['metric name char', isMetricNameChar, /^[a-zA-Z0-9_:]$/],
    ['label name start', isLabelNameStart, /^[a-zA-Z_]$/],
    ['label name char', isLabelNameChar, /^[a-zA-Z0-9_]$/],
  ];
  for (const [what, is, re] of classes) {
    const wrong: number[] = [];
    for (let c = 0; c <= 0xffff; c++) if (is(c) !== re.test(String.fromCharCode(c))) wrong.push(c);
    t.same(wrong, [], what);
  }
  t.equal(isMetricNameChar(NaN), false, 'past the end of the string');
});

void t.test('scanning names stops at the first character outside the class', async (t) => {
  t.equal(scanMetricName('http_requests:total{a="1"}', 0, 26), 19);
  t.equal(scanMetricName('0abc', 0, 4), 0);
  t.equal(scanMetricName('abcé', 0, 4), 3);
  t.equal(scanMetricName('abc', 0, 2), 2, 'not past the end given');
  t.equal(scanLabelName('le="1"', 0, 6), 2);
  t.equal(scanLabelName('a:b', 0, 3), 1, 'no colon in label names');
});
