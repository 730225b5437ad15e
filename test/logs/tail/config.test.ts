import t from 'tap';
import { multilineConfigSchema, tailFileConfigSchema, watchGroupFromConfig } from '../../../src/logs/tail/config';

const issues = (v: unknown) => {
  const r = tailFileConfigSchema.safeParse(v);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

void t.test('defaults', (t) => {
  const cfg = tailFileConfigSchema.parse({ path: '/var/log/syslog', format: 'syslog' });
  t.same(cfg, { path: '/var/log/syslog', exclude: [], format: 'syslog', start_at: 'end', max_line_bytes: 65536 });
  const g = watchGroupFromConfig(cfg, 0);
  t.same(g, {
    id: 'files[0]', include: ['/var/log/syslog'], exclude: [], format: 'syslog', dataset: 'system.syslog',
    identity: { app: '', docFragment: '', labels: {} }, startAt: 'end', maxLineBytes: 65536,
  });
  t.equal(watchGroupFromConfig(tailFileConfigSchema.parse({ path: '/a' }), 1).dataset, 'generic.log');
  t.equal(watchGroupFromConfig(tailFileConfigSchema.parse({ path: '/a', format: 'haproxy' }), 1).dataset, 'haproxy.log');
  t.end();
});

void t.test('everything set', (t) => {
  const cfg = tailFileConfigSchema.parse({
    path: ['/a/*.log', '/b/**/*.log'], exclude: ['/a/x.log'], format: 'json', dataset: 'shop.web', app: '/shop/web',
    start_at: 'beginning', max_line_bytes: '1KiB',
    multiline: { start_pattern: '^\\d{4}-', negate: true, timeout_ms: '5s', max_lines: 20 },
  });
  const g = watchGroupFromConfig(cfg, 3);
  t.equal(g.id, 'files[3]');
  t.same(g.include, ['/a/*.log', '/b/**/*.log']);
  t.equal(g.maxLineBytes, 1024);
  t.same(g.identity, { app: '/shop/web', docFragment: '"service":{"name":"/shop/web"}', labels: {} });
  t.same(g.multiline, { startPattern: /^\d{4}-/, negate: true, timeoutMs: 5000, maxLines: 20 });
  const m = tailFileConfigSchema.parse({ path: '/a', multiline: { start_pattern: '^S' } }).multiline;
  t.same(m, { start_pattern: '^S', negate: false, timeout_ms: 2000, max_lines: 500 });
  t.end();
});

void t.test('errors carry their path', (t) => {
  t.same(issues({ path: 'relative/*.log', colour: 'red' }), [
    'path: must be an absolute path or glob (starting with "/")',
    ': Unrecognized key: "colour"',
  ]);
  t.match(issues({ path: '/a', multiline: { start_pattern: '([a-z' } }), [/^multiline\.start_pattern: not a valid regular expression/]);
  t.match(issues({ path: '/a', multiline: { start_pattern: 'x', bogus: 1 } }), [/^multiline: Unrecognized key: "bogus"/]);
  t.match(issues({ path: '/a', format: 'xml' }), [/^format: /]);
  t.match(issues({ path: '/a', max_line_bytes: '5 parsecs' }), [/^max_line_bytes: expected a size/]);
  t.match(issues({ path: '/a', start_at: 'middle' }), [/^start_at: /]);
  t.match(issues({ path: [] }), [/^path: /]);
  t.end();
});

void t.test('every field is described', (t) => {
  for (const [key, field] of Object.entries(tailFileConfigSchema.shape)) {
    t.ok((field as { description?: string }).description, `${key} has a description`);
  }
  for (const [key, field] of Object.entries(multilineConfigSchema.shape)) {
    t.ok((field as { description?: string }).description, `multiline.${key} has a description`);
  }
  t.end();
});
