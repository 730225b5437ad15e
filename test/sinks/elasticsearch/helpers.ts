/** Shared by the elasticsearch sink tests: config, records, and polling. */
import { elasticsearchOutputSchema, type ElasticsearchOutputConfig } from '../../../src/sinks/elasticsearch/config';
import { makeLogEvent, type HeraldRecord, type LogOrigin } from '../../../src/pipeline/records';

export const origin: LogOrigin = {
  path: '/var/lib/mesos/slaves/S1/frameworks/F1/executors/web.1/runs/C1/stdout',
  dataset: 'mesos.sandbox',
  identity: { app: '/shop/web', docFragment: '"service":{"name":"/shop/web"},"orchestrator":{"type":"mesos"}', labels: {} },
};

/** A config with fast re-sends, so tests of retries take milliseconds. */
export function esConfig(over: Record<string, unknown>): ElasticsearchOutputConfig {
  return elasticsearchOutputSchema.parse({ retry: { initial_backoff_ms: 10, max_backoff_ms: 100 }, request_timeout_ms: 5000, ...over });
}

/** n log events "<tag> <i>" with offsets i, at `atMs`. */
export function events(tag: string, n: number, from = 0, atMs = Date.UTC(2026, 10, 21, 12, 0, 0)): HeraldRecord[] {
  return Array.from({ length: n }, (_, k) => makeLogEvent(origin, `${tag} ${from + k}`, from + k, 10, 0, atMs + k));
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Resolves to 'pending' if `p` has not settled within `ms`. */
export async function stateAfter(p: Promise<unknown>, ms: number): Promise<'pending' | 'resolved' | 'rejected'> {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  p.then(() => (state = 'resolved'), () => (state = 'rejected'));
  await new Promise((r) => setTimeout(r, ms));
  return state;
}
