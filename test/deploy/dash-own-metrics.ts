/**
 * Herald's own Prometheus metrics, as declared in the source: every `counter(` / `gauge(` / `histogram(`
 * call of src/observability/metrics.ts's helpers, with its name, kind and label names (read from the call,
 * so a renamed metric or label changes what the dashboards are checked against). `ownMetricsRegistry()`
 * registers all of them (plus prom-client's process metrics, prefix herald_, as createRegistry does) with
 * one sample per metric, so the real scrape of target "herald" turns them into the InfluxDB points Herald
 * ships for itself.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Registry } from 'prom-client';
import { counter, createRegistry, gauge, histogram } from '../../src/observability/metrics';
import { REPO_ROOT } from '../helpers/services';

export interface DeclaredMetric {
  kind: 'counter' | 'gauge' | 'histogram';
  name: string;
  labels: string[];
  file: string;
}

const STRING = String.raw`(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|\x60(?:[^\x60\\]|\\.)*\x60)`;
/** `counter(registry, 'herald_x_total', 'help', ['a', 'b']` with any spacing and line breaks. */
const CALL = new RegExp(String.raw`\b(counter|gauge|histogram)\(\s*[\w.#]+\s*,\s*'(herald_\w+)'\s*,\s*${STRING}\s*(?:,\s*\[([^\]]*)\])?`, 'g');
/** Any helper call naming a herald_* metric within its first 300 characters: each must be one CALL understood. */
const ANY_CALL = /\b(?:counter|gauge|histogram)\(([^;]{0,300}?)'(herald_[a-z0-9_]+)'/g;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (path.endsWith('.ts')) out.push(path);
  }
  return out;
}

export interface Declarations {
  metrics: DeclaredMetric[];
  /** Metric names of helper calls in src that CALL did not read (an unusual call shape). */
  unrecognised: string[];
}

export function declaredOwnMetrics(): Declarations {
  const metrics = new Map<string, DeclaredMetric>();
  const literals = new Set<string>();
  for (const path of sourceFiles(join(REPO_ROOT, 'src'))) {
    const text = readFileSync(path, 'utf8');
    for (const m of text.matchAll(CALL)) {
      const labels = [...(m[3] ?? '').matchAll(/'([^']+)'/g)].map((l) => l[1] as string);
      metrics.set(m[2] as string, { kind: m[1] as DeclaredMetric['kind'], name: m[2] as string, labels, file: relative(REPO_ROOT, path) });
    }
    for (const m of text.matchAll(ANY_CALL)) literals.add(m[2] as string);
  }
  return { metrics: [...metrics.values()], unrecognised: [...literals].filter((n) => !metrics.has(n)) };
}

export interface OwnRegistry {
  registry: Registry;
  declared: DeclaredMetric[];
  /** Moves every counter and histogram, so that a second scrape gives rates. */
  bump(): void;
}

export function ownMetricsRegistry(): OwnRegistry {
  const registry = createRegistry(true);
  const declared = declaredOwnMetrics().metrics;
  const sample = (labels: string[]) => Object.fromEntries(labels.map((l) => [l, `dash_${l}`]));
  const bumps: (() => void)[] = [];
  for (const d of declared) {
    const values = sample(d.labels);
    if (d.kind === 'counter') {
      const c = counter(registry, d.name, d.name, d.labels);
      c.inc(values, 1);
      bumps.push(() => c.inc(values, 5));
    } else if (d.kind === 'gauge') {
      gauge(registry, d.name, d.name, d.labels).set(values, 1);
    } else {
      const h = histogram(registry, d.name, d.name, d.labels, [0.1, 1]);
      h.observe(values, 0.05);
      bumps.push(() => h.observe(values, 0.5));
    }
  }
  return { registry, declared, bump: () => bumps.forEach((b) => b()) };
}
