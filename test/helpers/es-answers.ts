/**
 * What the loopback stand-ins for Elasticsearch (bulk-receiver.ts, counting-receiver.ts) answer besides the
 * items of a bulk request: one place, so that both speak the same API to the sink.
 */

/** A bulk item indexed (`create`, 201), as the sink's filter_path leaves it. */
export const ITEM_CREATED = '{"create":{"status":201}}';

/** The answer to a bulk request of n items, every one created. */
export function allCreated(n: number): string {
  return `{"errors":false,"items":[${n === 0 ? '' : ITEM_CREATED + `,${ITEM_CREATED}`.repeat(n - 1)}]}`;
}

/**
 * The answer to any request but `POST /_bulk`: `GET|PUT /_index_template/<name>` (404 until a PUT, whose
 * parsed body `templates` keeps), `GET|HEAD /` and `/_cluster/health`, and 404 for the rest.
 */
export function apiAnswer(server: string, method: string, path: string, body: string, templates: Map<string, unknown>): [number, string] {
  if (path.startsWith('/_index_template/')) {
    const name = decodeURIComponent(path.slice('/_index_template/'.length));
    if (method === 'PUT') {
      templates.set(name, JSON.parse(body));
      return [200, '{"acknowledged":true}'];
    }
    const t = templates.get(name);
    if (t === undefined) return [404, `{"error":{"type":"resource_not_found_exception","reason":"index template matching [${name}] not found"},"status":404}`];
    return [200, JSON.stringify({ index_templates: [{ name, index_template: t }] })];
  }
  if (path === '/' || path === '/_cluster/health') {
    return [200, `{"name":"${server}","cluster_name":"${server}","status":"green","version":{"number":"8.19.0"},"tagline":"You Know, for Search"}`];
  }
  return [404, `{"error":{"type":"not_found","reason":"${server} does not serve ${method} ${path}"},"status":404}`];
}
