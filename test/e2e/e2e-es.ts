/**
 * Reading back what Herald shipped to the real Elasticsearch, and removing it afterwards: one run's indices,
 * dead-letter indices and templates all carry the run's token, so cleanup deletes by exact name (the test
 * cluster refuses wildcard deletes).
 */
import { URLS } from '../helpers/services';

// Documents are checked field by field; their shape is what the tests assert.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Doc = Record<string, any>;

export interface EsRun {
  token: string;
  /** outputs.elasticsearch.index */
  index: string;
  /** outputs.elasticsearch.dead_letter_index */
  deadLetter: string;
  /** outputs.elasticsearch.template.name */
  template: string;
  /** Wildcards covering every index the run can create (searches only). */
  dataPattern: string;
  deadLetterPattern: string;
}

export function esRun(token: string): EsRun {
  return {
    token,
    index: `e2e-es-${token}-%Y.%m.%d`,
    deadLetter: `e2e-esdl-${token}-%Y.%m.%d`,
    template: `e2e-es-${token}`,
    dataPattern: `e2e-es-${token}-*`,
    deadLetterPattern: `e2e-esdl-${token}-*`,
  };
}

async function es(method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<{ status: number; json: Doc }> {
  const res = await fetch(`${URLS.elasticsearch}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Doc) };
}

/** Documents in the indices matching `pattern`, after a refresh (0 when none exists yet). */
export async function esCount(pattern: string): Promise<number> {
  await es('POST', `/${pattern}/_refresh?ignore_unavailable=true&allow_no_indices=true`);
  const r = await es('GET', `/${pattern}/_count?ignore_unavailable=true&allow_no_indices=true`);
  return typeof r.json['count'] === 'number' ? r.json['count'] : 0;
}

/** Every document (its _source, plus _index) in the indices matching `pattern`, via the scroll API. */
export async function esAllDocs(pattern: string, maxDocs = 200_000): Promise<Doc[]> {
  await es('POST', `/${pattern}/_refresh?ignore_unavailable=true&allow_no_indices=true`);
  const out: Doc[] = [];
  let r = await es('POST', `/${pattern}/_search?scroll=1m&ignore_unavailable=true&allow_no_indices=true`, { size: 5000, sort: ['_doc'] });
  if (r.status !== 200) throw new Error(`search ${pattern}: ${r.status} ${JSON.stringify(r.json).slice(0, 500)}`);
  let scrollId = r.json['_scroll_id'] as string | undefined;
  try {
    for (let page = 0; page < 1000; page++) {
      const hits = (r.json['hits']?.['hits'] ?? []) as Doc[];
      if (hits.length === 0) break;
      for (const h of hits) out.push({ ...h['_source'], _index: h['_index'] });
      if (out.length >= maxDocs || scrollId === undefined) break;
      r = await es('POST', '/_search/scroll', { scroll: '1m', scroll_id: scrollId });
      scrollId = r.json['_scroll_id'] as string | undefined;
    }
  } finally {
    if (scrollId !== undefined) await es('DELETE', '/_search/scroll', { scroll_id: scrollId }).catch(() => undefined);
  }
  return out;
}

/** Names of the indices matching the patterns. */
export async function esIndices(...patterns: string[]): Promise<string[]> {
  const r = await es('GET', `/_cat/indices/${patterns.join(',')}?h=index&format=json&expand_wildcards=all`);
  if (r.status !== 200 || !Array.isArray(r.json)) return [];
  return (r.json as Doc[]).map((i) => String(i['index']));
}

/**
 * Creates a daily index of the run before Herald does, with `mappings` merged over the run's index template
 * (mappings given at creation win over the template's): an operator's hand-made index.
 */
export async function esCreateIndex(run: EsRun, at: Date, mappings: Doc): Promise<string> {
  const d = (n: number) => String(n).padStart(2, '0');
  const name = run.index.replace('%Y', String(at.getUTCFullYear())).replace('%m', d(at.getUTCMonth() + 1)).replace('%d', d(at.getUTCDate()));
  const r = await es('PUT', `/${name}`, { mappings });
  if (r.status !== 200) throw new Error(`create ${name}: ${r.status} ${JSON.stringify(r.json).slice(0, 500)}`);
  return name;
}

/** Deletes the run's indices (by name) and its two index templates. Best effort: cleanup never fails a test. */
export async function esCleanup(run: EsRun): Promise<string[]> {
  const names = await esIndices(run.dataPattern, run.deadLetterPattern).catch(() => []);
  for (const n of names) await es('DELETE', `/${n}`).catch(() => undefined);
  for (const tpl of [run.template, `${run.template}-dead-letter`]) await es('DELETE', `/_index_template/${tpl}`).catch(() => undefined);
  return names;
}

/** The `outputs.elasticsearch` YAML of a run (flow style, one line). */
export function esOutputYaml(run: EsRun, extra = ''): string {
  return (
    `{ url: "${URLS.elasticsearch}", index: "${run.index}", dead_letter_index: "${run.deadLetter}", ` +
    `template: { name: "${run.template}" }, flush_interval_ms: 50, request_timeout_ms: 5s, retry: { initial_backoff_ms: 200, max_backoff_ms: 2s }${extra === '' ? '' : `, ${extra}`} }`
  );
}

/** Count of each value of `key(doc)` (undefined keys skipped). */
export function tally<T>(docs: Doc[], key: (d: Doc) => T | undefined): Map<T, number> {
  const m = new Map<T, number>();
  for (const d of docs) {
    const k = key(d);
    if (k !== undefined) m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}
