/** Small Elasticsearch REST calls for the tests (node's http via services.ts), and cleanup by prefix. */
import { httpGet, URLS } from '../../helpers/services';

export async function es(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await httpGet(`${URLS.elasticsearch}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    timeoutMs: 30_000,
  });
  return { status: res.status, json: res.body === '' ? undefined : (JSON.parse(res.body) as unknown) };
}

/** Deletes the indices and index templates whose names start with `prefix` (wildcard deletes are refused). */
export async function cleanup(prefix: string): Promise<void> {
  const cat = await es('GET', `/_cat/indices/${prefix}*?format=json&h=index&expand_wildcards=all`);
  const names = (cat.json as { index: string }[]).map((i) => i.index).filter((n) => !n.startsWith('.ds-'));
  if (names.length > 0) await es('DELETE', `/${names.join(',')}`);
  const tpl = await es('GET', `/_index_template/${prefix}*`);
  for (const t of (tpl.json as { index_templates?: { name: string }[] }).index_templates ?? []) await es('DELETE', `/_index_template/${t.name}`);
}

export async function searchAll(index: string, size = 10_000): Promise<Record<string, unknown>[]> {
  await es('POST', `/${index}/_refresh`);
  const res = await es('POST', `/${index}/_search`, { size, query: { match_all: {} }, sort: ['_doc'] });
  return ((res.json as { hits: { hits: { _source: Record<string, unknown> }[] } }).hits.hits).map((h) => h._source);
}

export async function count(index: string, query: unknown = { match_all: {} }): Promise<number> {
  await es('POST', `/${index}/_refresh`);
  const res = await es('POST', `/${index}/_count`, { query });
  return (res.json as { count: number }).count;
}
