/** Targets from `scrape.targets[]` and Herald's own /metrics (`scrape.self`). */
import type { ScrapeConfig, ScrapeTargetConfig } from '../config';
import { splitPath } from '../formats/json-flatten';
import { identityFor, statusPredicate, type Target } from './target';

export const SELF_TARGET_NAME = 'herald';
export const DEFAULT_SELF_URL = 'http://127.0.0.1:9275/metrics';

function staticTarget(t: ScrapeTargetConfig, cfg: ScrapeConfig, hostname: string): Target {
  const app = t.app ?? '';
  const baseTags: Record<string, string> = { ...t.tags, host: hostname, scrape_target: t.name };
  if (app !== '') baseTags.app = app;
  const intervalMs = t.interval_ms ?? cfg.interval_ms;
  return {
    key: `static:${t.name}`,
    kind: 'static',
    name: t.name,
    url: t.url,
    format: t.format,
    intervalMs,
    timeoutMs: Math.min(t.timeout_ms ?? cfg.timeout_ms, intervalMs),
    maxBodyBytes: t.max_body_bytes ?? cfg.max_body_bytes,
    maxSeries: t.max_series ?? cfg.max_series,
    honorTimestamps: cfg.honor_timestamps,
    headers: t.headers,
    bearerToken: t.bearer_token,
    baseTags,
    app,
    identity: identityFor(app, ''),
    json: {
      measurement: t.json.measurement ?? t.name,
      paths: t.json.paths.map(splitPath),
      tagsFrom: Object.entries(t.json.tags_from).map(([tag, path]) => ({ tag, path: splitPath(path) })),
      arrayKey: t.json.array_key,
      separator: t.json.separator,
    },
    health: {
      expectedStatus: statusPredicate(t.health.expected_status),
      bodyContains: t.health.body_contains,
      bodyRegex: t.health.body_regex === undefined ? undefined : new RegExp(t.health.body_regex),
    },
  };
}

/** The configured targets, plus Herald itself when `self` is on. */
export function staticTargets(cfg: ScrapeConfig, hostname: string, selfUrl: string | undefined): Target[] {
  const out = cfg.targets.map((t) => staticTarget(t, cfg, hostname));
  if (cfg.self) {
    const self = staticTarget(
      {
        name: SELF_TARGET_NAME, url: selfUrl ?? DEFAULT_SELF_URL, format: 'prometheus', headers: {}, tags: {},
        bearer_token: undefined, json: { paths: [], tags_from: {}, separator: '.' }, health: { expected_status: ['200-299'] },
      },
      cfg,
      hostname,
    );
    out.push({ ...self, key: 'self', kind: 'self' });
  }
  return out;
}
