/**
 * The @elastic/elasticsearch client for the sink: its transport and connection pool (keep-alive, node
 * selection, a failing node avoided for a while), with its own retries OFF. The sink owns retries: the
 * client would re-send a whole bulk body — including the items that were already indexed, hence duplicates
 * — on a fixed schedule that ignores our backoff, Retry-After, and close()'s deadline. Also the log-safe
 * description of the client's errors.
 */
import { Client, Serializer, errors, type ClientOptions } from '@elastic/elasticsearch';
import { errorMessage } from '../../errors';
import type { ElasticsearchOutputConfig } from './config';
import { safeReason } from './dead-letter';

export function createClient(cfg: ElasticsearchOutputConfig): Client {
  const opts: ClientOptions = {
    nodes: cfg.urls,
    maxRetries: 0,
    requestTimeout: cfg.request_timeout_ms,
    compression: false,
    // Responses are only read, never merged into other objects: plain JSON.parse is enough and faster.
    disablePrototypePoisoningProtection: true,
    Serializer: BulkAwareSerializer,
    name: 'herald',
  };
  const auth = cfg.auth;
  if (auth?.api_key !== undefined) opts.auth = { apiKey: auth.api_key.reveal() };
  else if (auth?.username !== undefined && auth.password !== undefined) opts.auth = { username: auth.username, password: auth.password.reveal() };
  if (cfg.tls !== undefined) {
    opts.tls = { rejectUnauthorized: !cfg.tls.insecure_skip_verify };
    if (cfg.tls.ca !== undefined) opts.tls.ca = cfg.tls.ca;
  }
  return new Client(opts);
}

/** The whole answer to a bulk request whose items were all indexed, with FILTER_PATH (elasticsearch-sink.ts). */
const ALL_INDEXED = '{"errors":false,"items":[';
const STATUS = '"status":';
/** One item of that answer as Elasticsearch writes it for our `create` actions (encode.ts), and its separator. */
const CREATED = '{"create":{"status":201}},';

/**
 * The client's serializer, with one shortcut: a bulk answer without errors (nearly every answer) is not
 * parsed into an object per item. Its items are counted, and it is read as `{ errors: false, items }` with
 * that many (empty) items: readBulkResponse accepts them all when the count is that of the request, and
 * treats a missing item as one to retry. Every other answer is parsed as JSON. Parsing 1,000 items cost
 * 7.5% of the agent's main thread in the sandboxes → bulk receiver benchmark.
 *
 * The usual answer, every item `{"create":{"status":201}}`, is counted from its length once a comparison
 * with the same items written out (a memcmp a run of 1,024 at a time) has shown that is what it holds:
 * 4 µs for 1,000 items instead of 43 µs for searching it item by item, as any other answer still is.
 */
export class BulkAwareSerializer extends Serializer {
  override deserialize<T = unknown>(json: string): T {
    if (json.startsWith(ALL_INDEXED) && json.endsWith(']}')) {
      const n = allCreated(json);
      if (n >= 0) return { errors: false, items: new Array<undefined>(n) } as T;
      if (!json.includes('"error"')) {
        let k = 0;
        for (let i = json.indexOf(STATUS); i >= 0; i = json.indexOf(STATUS, i + STATUS.length)) k++;
        return { errors: false, items: new Array<undefined>(k) } as T;
      }
    }
    return super.deserialize<T>(json);
  }
}

/** CREATED written out 1,024 times. */
const CREATED_RUN = CREATED.repeat(1024);

/** How many items the bulk answer `json` has when each is CREATED; -1 when it is another answer. */
function allCreated(json: string): number {
  const from = ALL_INDEXED.length;
  const end = json.length - 2; // before "]}"
  const itemsLen = end - from + 1; // as if the last item had a separator too
  if (itemsLen < CREATED.length || itemsLen % CREATED.length !== 0) return -1;
  for (let at = from; at < end; at += CREATED_RUN.length) {
    const len = Math.min(CREATED_RUN.length, end - at);
    if (json.slice(at, at + len) !== (len === CREATED_RUN.length ? CREATED_RUN : CREATED_RUN.slice(0, len))) return -1;
  }
  return itemsLen / CREATED.length;
}

/** Log fields for a client error: its kind, status and the server's error type; no bodies, no headers. */
export function describeError(err: unknown): Record<string, unknown> {
  if (err instanceof errors.ResponseError) {
    const e = (err.body as { error?: { type?: string; reason?: string } } | undefined)?.error;
    return { error: err.name, status: err.statusCode, error_type: e?.type, reason: e?.reason === undefined ? undefined : safeReason(e.reason) };
  }
  if (err instanceof Error) return { error: err.name, reason: errorMessage(err) };
  return { error: String(err) };
}
