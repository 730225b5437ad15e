/**
 * A scrape target as the scheduler runs it: everything resolved (defaults applied, tags and identity
 * computed once), whether it came from the config, from a Mesos task's labels or is Herald itself.
 */
import type { Secret } from '../../config/secret';
import type { Identity } from '../../pipeline/records';
import type { ScrapeFormat } from '../config';

export type TargetKind = 'static' | 'discovered' | 'self';

export interface JsonTargetOptions {
  readonly measurement: string;
  readonly paths: readonly (readonly string[])[];
  readonly tagsFrom: readonly { readonly tag: string; readonly path: readonly string[] }[];
  readonly arrayKey: string | undefined;
  readonly separator: string;
}

export interface HealthTargetOptions {
  /** Status codes counted as up. */
  readonly expectedStatus: (status: number) => boolean;
  readonly bodyContains: string | undefined;
  readonly bodyRegex: RegExp | undefined;
}

export interface Target {
  /** Stable identity across rediscoveries: a target whose key and definition are unchanged keeps its schedule and health state. */
  readonly key: string;
  readonly kind: TargetKind;
  /** The scrape_target tag. */
  readonly name: string;
  readonly url: string;
  readonly format: ScrapeFormat;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  readonly maxSeries: number;
  readonly honorTimestamps: boolean;
  readonly headers: Readonly<Record<string, string>>;
  readonly bearerToken: Secret | undefined;
  /** Tags of every point: host, scrape_target, app, framework, instance, configured tags. */
  readonly baseTags: Readonly<Record<string, string>>;
  /** Per-app key of the points ('' for node-level targets). */
  readonly app: string;
  /** Identity of the health events (service.name, mesos.*). */
  readonly identity: Identity;
  readonly json: JsonTargetOptions;
  readonly health: HealthTargetOptions;
}

/** A string that changes when anything the scheduler uses changes (secrets by presence only). */
export function targetFingerprint(t: Target): string {
  return JSON.stringify([t.kind, t.name, t.url, t.format, t.intervalMs, t.timeoutMs, t.maxBodyBytes, t.maxSeries,
    t.honorTimestamps, t.headers, t.bearerToken === undefined, t.baseTags, t.app, t.json, t.health.bodyContains,
    t.health.bodyRegex?.source]);
}

/** The URL without user:password, for logs and events. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = u.search === '' ? '' : '?…';
    return u.toString();
  } catch {
    return '(invalid url)';
  }
}

/** `expected_status` entries (200, "200-399") → predicate. */
export function statusPredicate(entries: readonly (number | string)[]): (status: number) => boolean {
  const ranges: [number, number][] = entries.map((e) => {
    if (typeof e === 'number') return [e, e];
    const [a, b] = e.split('-').map(Number);
    return [a as number, b as number];
  });
  return (status) => ranges.some(([a, b]) => status >= a && status <= b);
}

export function identityFor(app: string, mesos: string): Identity {
  const parts: string[] = [];
  if (app !== '') parts.push(`"service":{"name":${JSON.stringify(app)}}`);
  if (mesos !== '') parts.push(`"orchestrator":{"type":"mesos"}`, `"mesos":${mesos}`);
  return { app, docFragment: parts.join(','), labels: {} };
}
