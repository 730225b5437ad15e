// Builds the Flux of one Grafana panel in the one shape every panel uses, so that the drift test
// (test/deploy/dashboards.test.ts) can read back exactly which measurement, fields and tags it queries:
//   filter on _measurement and _field; filter on tags (a dashboard variable, or a fixed value);
//   per series: counter → rate (derivative, non-negative: restarts do not dip), mean per window;
//   optional pivot + ratio of two fields; then combine the series sharing the `by` tags, per timestamp.
// `latest` instead gives a table of the series whose last value equals `latest.value`.

const list = (names) => names.map((n) => JSON.stringify(n)).join(', ');

function tagFilter(w) {
  return w.value !== undefined
    ? `  |> filter(fn: (r) => r.${w.tag} == ${JSON.stringify(w.value)})`
    : `  |> filter(fn: (r) => contains(value: r.${w.tag}, set: \${${w.variable}:json}))`;
}

export function q(o) {
  const lines = [
    'from(bucket: "${bucket}")',
    '  |> range(start: v.timeRangeStart, stop: v.timeRangeStop)',
    `  |> filter(fn: (r) => r._measurement == ${JSON.stringify(o.m)} and (${o.fields.map((f) => `r._field == ${JSON.stringify(f)}`).join(' or ')}))`,
    ...o.where.map(tagFilter),
  ];
  if (o.latest) {
    lines.push(
      '  |> last()',
      `  |> filter(fn: (r) => r._value == ${o.latest.value.toFixed(1)})`,
      '  |> group()',
      `  |> keep(columns: [${list([...o.latest.keep, '_time'])}])`,
    );
    return lines.join('\n');
  }
  if (o.rate) lines.push(`  |> derivative(unit: ${o.rate}, nonNegative: true)`);
  lines.push('  |> aggregateWindow(every: v.windowPeriod, fn: mean, createEmpty: false)');
  if (o.divide) {
    const [a, b] = o.divide.map((f) => JSON.stringify(f));
    lines.push(
      '  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")',
      `  |> filter(fn: (r) => exists r[${a}] and exists r[${b}] and r[${b}] > 0.0)`,
      `  |> map(fn: (r) => ({r with _value: r[${a}] / r[${b}], _field: ${JSON.stringify(o.divide.join(' / '))}}))`,
    );
  }
  lines.push(
    `  |> group(columns: [${list([...o.by, '_field', '_time'])}])`,
    `  |> ${o.combine}()`,
    `  |> group(columns: [${list([...o.by, '_field'])}])`,
    '  |> sort(columns: ["_time"])',
  );
  return lines.join('\n');
}
