import t from 'tap';
import { sandboxesConfigSchema } from '../../../src/logs/sandbox/config';
import { AppMatcher } from '../../../src/pipeline/app-glob';
import { labelGlobs } from '../../../src/logs/sandbox/sandbox-groups';

void t.test('defaults', async (t) => {
  const cfg = sandboxesConfigSchema.parse({});
  t.match(cfg, {
    enabled: true, format: 'auto', max_line_bytes: 65536, start_at: 'end', discovery_interval_ms: 3000,
    release_after_ms: 60_000, extra_files: [], exclude_apps: [], self_sandbox: { exclude: true },
  });
  t.equal(cfg.work_dir, undefined);
  t.equal(cfg.extra_files_label, undefined, 'the label is off by default');
  const full = sandboxesConfigSchema.parse({
    work_dir: '/var/lib/mesos', max_line_bytes: '128KiB', discovery_interval_ms: '2s', release_after_ms: '5m',
    multiline: { start_pattern: '^\\S' }, extra_files: [{ app: '/shop/*', paths: ['logs/*.log'] }],
  });
  t.equal(full.max_line_bytes, 131072);
  t.equal(full.discovery_interval_ms, 2000);
  t.equal(full.release_after_ms, 300_000);
  t.equal(full.extra_files[0]?.format, 'auto');
  t.equal(full.multiline?.timeout_ms, 2000);
});

void t.test('errors name the field', async (t) => {
  const issues = (v: unknown) => {
    const r = sandboxesConfigSchema.safeParse(v);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  t.match(issues({ work_dir: 'relative' }), ['work_dir: must be an absolute path']);
  t.match(issues({ extra_files: [{ app: '/a', paths: ['/etc/passwd'] }] }), ['extra_files.0.paths.0: must be relative to the sandbox (no leading "/")']);
  t.match(issues({ extra_files: [{ app: '/a', paths: ['../../other/stdout'] }] }), ['extra_files.0.paths.0: must not leave the sandbox ("..")']);
  t.match(issues({ format: 'csv' }), [/^format: /]);
  t.match(issues({ discovery_interval_ms: 10 }), ['discovery_interval_ms: must be at least 100ms']);
  t.match(issues({ unknown_key: 1 }), [/unrecognized key/i]);
  t.match(issues({ multiline: { start_pattern: '(' } }), [/multiline.start_pattern: not a valid regular expression/]);
});

void t.test('app ids and globs', async (t) => {
  const m = new AppMatcher(['/shop/web', '/batch/*', '/infra/**', 'chronos/job-?']);
  t.ok(m.matches('/shop/web'));
  t.notOk(m.matches('/shop/web2'));
  t.ok(m.matches('/batch/nightly'));
  t.notOk(m.matches('/batch/a/b'), '* stays within a segment');
  t.ok(m.matches('/infra/a/b/c'));
  t.ok(m.matches('chronos/job-1'));
  t.notOk(m.matches(''));
  t.ok(new AppMatcher([]).empty);
  t.notOk(new AppMatcher(['/a.b']).matches('/axb'), 'dots are literal');
});

void t.test('extra-files label values', async (t) => {
  t.same(labelGlobs('logs/*.log, gc.log,,'), { globs: ['logs/*.log', 'gc.log'], rejected: 0 });
  t.same(labelGlobs('/etc/shadow,../x,ok.log'), { globs: ['ok.log'], rejected: 2 });
  const many = Array.from({ length: 20 }, (_, i) => `f${i}.log`).join(',');
  t.equal(labelGlobs(many).globs.length, 16);
  t.equal(labelGlobs(many).rejected, 4);
});
