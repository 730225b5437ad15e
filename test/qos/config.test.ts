import t from 'tap';
import { z } from 'zod';
import { qosSchema } from '../../src/qos/config';
import { LimitResolver } from '../../src/qos/app-limits';
import { appGlob } from '../../src/pipeline/app-glob';
import { undescribedFields } from '../helpers/schema-descriptions';

const issues = (input: unknown) => {
  const r = qosSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

void t.test('defaults: a bare `qos: {}` is a working throttle', async (t) => {
  const cfg = qosSchema.parse({});
  t.match(cfg, {
    enabled: true,
    defaults: { lines_per_sec: 1000, burst_lines: 5000, bytes_per_sec: 1048576, burst_bytes: 5242880 },
    overrides: [],
    label_overrides: { enabled: false, lines_per_sec: 'HERALD_QOS_LINES_PER_SEC', priority: 'HERALD_QOS_PRIORITY' },
    priorities: { critical: 60, normal: 30, low: 10 },
    default_priority: 'normal',
    node: { lines_per_sec: 0, bytes_per_sec: 0 },
    on_excess: 'drop',
    sample_rate: 100,
    summary_interval_ms: 10_000,
    idle_evict_ms: 300_000,
    max_apps: 10_000,
    max_app_labels: 200,
    metrics: { series_per_app: 1000, window_ms: 60_000 },
  });
});

void t.test('sizes and durations with units; overrides keep only what they set', async (t) => {
  const cfg = qosSchema.parse({
    defaults: { bytes_per_sec: '2MiB', burst_bytes: '10MB' },
    overrides: [{ app: '/shop/**', lines_per_sec: 50, priority: 'low' }],
    summary_interval_ms: '30s',
    node: { bytes_per_sec: '64MiB' },
  });
  t.equal(cfg.defaults.bytes_per_sec, 2 * 1024 * 1024);
  t.equal(cfg.defaults.burst_bytes, 10_000_000);
  t.equal(cfg.summary_interval_ms, 30_000);
  t.equal(cfg.node.bytes_per_sec, 64 * 1024 * 1024);
  t.same(cfg.overrides[0], { app: '/shop/**', lines_per_sec: 50, priority: 'low' });
});

void t.test('errors name their path: unknown keys, unknown classes, out-of-range values', async (t) => {
  t.same(issues({ defaults: { lines_per_second: 5 } }), ['defaults: Unrecognized key: "lines_per_second"']);
  t.same(issues({ overrides: [{ app: '/a', priority: 'urgent' }] }), ['overrides.0.priority: unknown priority class "urgent" (classes: critical, normal, low)']);
  t.same(issues({ priorities: { gold: 1 } }), ['default_priority: unknown priority class "normal" (classes: gold)']);
  t.same(issues({ priorities: { gold: 0 }, default_priority: 'gold' }), ['priorities: at least one weight must be above 0']);
  t.same(issues({ label_overrides: { enabled: true, allowed_priorities: ['bronze'] } }), ['label_overrides.allowed_priorities.0: unknown priority class "bronze" (classes: critical, normal, low)']);
  t.match(issues({ defaults: { burst_bytes: '2GiB' } }), [/defaults\.burst_bytes: must be at most 1073741824/]);
  t.match(issues({ defaults: { burst_lines: 0 } }), [/defaults\.burst_lines: .*>=1/]);
  t.match(issues({ defaults: { lines_per_sec: 1.5 } }), [/defaults\.lines_per_sec: .*expected int/]);
  t.match(issues({ on_excess: 'queue' }), [/on_excess: /]);
  t.match(issues({ summary_interval_ms: 'soon' }), [/summary_interval_ms: expected a duration/]);
});

void t.test('every field of the qos section has a description', async (t) => {
  const schema = z.toJSONSchema(qosSchema, { io: 'input', unrepresentable: 'any' });
  t.same(undescribedFields(schema, 'qos'), []);
  t.ok(Object.keys((schema as { properties: object }).properties).length >= 14);
});

void t.test('app globs: * and ? within a segment, ** across; regex characters are literal', async (t) => {
  t.ok(appGlob('/shop/*').test('/shop/web'));
  t.notOk(appGlob('/shop/*').test('/shop/eu/web'));
  t.ok(appGlob('/shop/**').test('/shop/eu/web'));
  t.ok(appGlob('/a.b/x?').test('/a.b/x1'));
  t.notOk(appGlob('/a.b/x?').test('/aXb/x1'), '. is literal');
  t.notOk(appGlob('/a+/(x)').test('/aa/x'));
  t.ok(appGlob('/a+/(x)').test('/a+/(x)'));
});

void t.test('limit resolution: labels between defaults and overrides, sizes in labels, per-setting errors', async (t) => {
  const errors: string[] = [];
  const cfg = qosSchema.parse({
    defaults: { lines_per_sec: 10, burst_lines: 20, bytes_per_sec: 1000, burst_bytes: 2000 },
    label_overrides: { enabled: true, max_bytes_per_sec: '1MiB' },
    overrides: [{ app: '/fixed', bytes_per_sec: 5 }],
  });
  const r = new LimitResolver(cfg, ['critical', 'normal', 'low'], (s, app) => errors.push(`${app}:${s}`));
  const id = (app: string, labels: Record<string, string>) => ({ app, docFragment: '', labels });
  t.same(r.forIdentity('/x', id('/x', { HERALD_QOS_BYTES_PER_SEC: '64KiB', HERALD_QOS_BURST_BYTES: '1MiB', HERALD_QOS_PRIORITY: ' low ' })), {
    linesPerSec: 10, burstLines: 20, bytesPerSec: 65536, burstBytes: 1048576, priority: 2, seriesPerWindow: 1000,
  });
  t.same(r.forIdentity('/fixed', id('/fixed', { HERALD_QOS_BYTES_PER_SEC: '64KiB', HERALD_QOS_LINES_PER_SEC: '7' })), {
    linesPerSec: 7, burstLines: 20, bytesPerSec: 5, burstBytes: 2000, priority: 1, seriesPerWindow: 1000,
  }, 'the override wins for what it sets, the label for the rest');
  t.equal(r.forIdentity('/big', id('/big', { HERALD_QOS_BYTES_PER_SEC: '1GiB' })).bytesPerSec, 1024 * 1024, 'clamped');
  t.equal(r.forIdentity('/bad', id('/bad', { HERALD_QOS_BYTES_PER_SEC: 'fast', HERALD_QOS_BURST_LINES: '0', HERALD_QOS_LINES_PER_SEC: '1e3' })).linesPerSec, 10);
  t.same(errors, ['/bad:lines_per_sec', '/bad:burst_lines', '/bad:bytes_per_sec']);
  const same = id('/y', { HERALD_QOS_LINES_PER_SEC: 'x' });
  r.forIdentity('/y', same);
  r.forIdentity('/y', same);
  t.equal(errors.length, 4, 'resolved once per identity');
});
