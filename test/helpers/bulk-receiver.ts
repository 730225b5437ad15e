/**
 * A loopback HTTP(S) server speaking just enough of the Elasticsearch API for the elasticsearch sink:
 * `POST /_bulk` (every item answered `201 created`, unless a switch says otherwise), `GET`/`PUT
 * /_index_template/<name>`, `GET|HEAD /` and `/_cluster/health`. It counts documents and bytes and
 * nothing else by default (benchmarks use counting-receiver.ts, which costs far less); tests can keep the
 * documents, see the request headers, and answer chosen items with 429/500/400 (mapping) errors or a
 * whole request with any status, deterministically. It also records how many /_bulk requests it held open
 * at once and can hold chosen ones for a while or for ever (a server that does not answer in time), or
 * until the test releases them (to hold an agent's start or shutdown open).
 */
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ITEM_CREATED, allCreated, apiAnswer } from './es-answers';

export type ItemAnswer = 201 | 429 | 500 | 503 | 'mapping';

export interface BulkReceiverOptions {
  /** Serve HTTPS with this PEM certificate and key. */
  tls?: { cert: string; key: string };
  /** Keep every received document (action lines dropped) in `documents`. */
  keepDocuments?: boolean;
  /** Answer for one item; called only when set (then every body is split into lines). */
  itemAnswer?: (doc: string, action: string) => ItemAnswer;
  /** Answer a whole /_bulk request with this status instead (e.g. 429, 503, 413, 401); undefined = normal. */
  requestAnswer?: (nth: number) => { status: number; retryAfter?: string } | undefined;
  /**
   * Delay every /_bulk answer by this many ms, or by a function of the request's arrival order (0, 1, ...);
   * Infinity never answers. A request whose connection the client closed before its answer (its timeout)
   * is not answered when the delay ends: its documents are neither counted nor kept, as if never received.
   */
  delayMs?: number | ((nth: number) => number);
  /** Requests this picks (any path) wait unanswered until release(); after it, every request is answered. */
  hold?: (method: string, path: string) => boolean;
}

/** A /_bulk request as it arrived: when (performance.now()) and how many were open then, itself included. */
export interface BulkArrival {
  atMs: number;
  open: number;
}

const ITEM_ANSWERS: Record<Exclude<ItemAnswer, 201>, string> = {
  429: '{"create":{"status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected execution of coordinating operation"}}}',
  500: '{"create":{"status":500,"error":{"type":"internal_server_error","reason":"simulated"}}}',
  503: '{"create":{"status":503,"error":{"type":"unavailable_shards_exception","reason":"primary shard is not active"}}}',
  mapping:
    '{"create":{"status":400,"error":{"type":"document_parsing_exception","reason":"[1:2] failed to parse field [http.response.status_code] of type [long] in document with id \'x1\'. Preview of field\'s value: \'SECRET-VALUE\'","caused_by":{"type":"illegal_argument_exception","reason":"For input string: \\"SECRET-VALUE\\""}}}}',
};

export class BulkReceiver {
  /** Documents received in /_bulk bodies (every attempt, re-sends included). */
  documentCount = 0;
  /** Bytes of /_bulk bodies received. */
  bytes = 0;
  /** /_bulk requests answered (requests the client gave up on before their answer are not counted). */
  bulkRequests = 0;
  /** Every /_bulk request, in order of arrival (its headers), answered or not. */
  readonly arrivals: BulkArrival[] = [];
  /** Most /_bulk requests open at once: from their arrival until their answer is written or the client closes. */
  maxOpenBulkRequests = 0;
  /** /_bulk requests whose connection the client closed before they were answered (e.g. its timeout). */
  abandonedBulkRequests = 0;
  #openBulkRequests = 0;
  readonly #timers = new Set<NodeJS.Timeout>();
  /** Requests picked by `hold`, as "METHOD path", in order of arrival. */
  readonly held: string[] = [];
  readonly #waiting: (() => void)[] = [];
  #holding = true;
  readonly documents: string[] = [];
  /** Headers of every request, in order. */
  readonly headers: IncomingHttpHeaders[] = [];
  readonly templates = new Map<string, unknown>();
  /** Items answered with something else than 201, by answer. */
  readonly refused: Record<string, number> = {};
  readonly #server: Server;
  readonly #o: BulkReceiverOptions;
  url = '';

  private constructor(o: BulkReceiverOptions) {
    this.#o = o;
    const handler = (req: IncomingMessage, res: ServerResponse) => this.#handle(req, res);
    this.#server = o.tls ? createHttpsServer({ cert: o.tls.cert, key: o.tls.key }, handler) : createHttpServer(handler);
    this.#server.keepAliveTimeout = 60_000;
  }

  static async start(o: BulkReceiverOptions = {}): Promise<BulkReceiver> {
    const r = new BulkReceiver(o);
    await new Promise<void>((resolve) => r.#server.listen(0, '127.0.0.1', resolve));
    const port = (r.#server.address() as AddressInfo).port;
    r.url = `${o.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    return r;
  }

  /** Answers the held requests, and every later one as it comes. */
  release(): void {
    this.#holding = false;
    for (const answer of this.#waiting.splice(0)) answer();
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#waiting.length = 0; // their connections are closed below: nothing left to answer
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Runs `answer` now, or on release() when `hold` picks the request. */
  #whenReleased(req: IncomingMessage, path: string, answer: () => void): void {
    const method = req.method ?? 'GET';
    if (this.#holding && this.#o.hold?.(method, path) === true) {
      this.held.push(`${method} ${path}`);
      this.#waiting.push(answer);
    } else answer();
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    this.headers.push(req.headers);
    const path = (req.url ?? '/').split('?')[0] as string;
    const answer = (status: number, json: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch', ...headers });
      res.end(req.method === 'HEAD' ? undefined : json);
    };
    if (path === '/_bulk' && req.method === 'POST') {
      this.#bulkArrived(req, res, path, answer);
      return;
    }
    readBody(req, (body) => this.#whenReleased(req, path, () => {
      const [status, json] = apiAnswer('bulk-receiver', req.method ?? 'GET', path, body.toString('utf8'), this.templates);
      answer(status, json);
    }));
  }

  /** A /_bulk request is open from its arrival until its answer is written (before the client can read it) or its connection closes. */
  #bulkArrived(req: IncomingMessage, res: ServerResponse, path: string, answer: (status: number, json: string, headers?: Record<string, string>) => void): void {
    const nth = this.arrivals.length;
    const open = ++this.#openBulkRequests;
    this.arrivals.push({ atMs: performance.now(), open });
    if (open > this.maxOpenBulkRequests) this.maxOpenBulkRequests = open;
    let settled = false;
    res.once('close', () => {
      if (settled) return;
      settled = true;
      this.#openBulkRequests--;
      this.abandonedBulkRequests++;
    });
    const onBody = (body: Buffer) => this.#whenReleased(req, path, () => {
      const reply = () => {
        if (settled) return; // the client gave up on it: nothing indexed, nothing counted
        settled = true;
        this.#openBulkRequests--;
        this.#bulk(body, answer);
      };
      const d = this.#o.delayMs;
      const delayMs = typeof d === 'function' ? d(nth) : (d ?? 0);
      if (delayMs === Infinity) return; // held until the client closes the connection, or the receiver closes
      if (delayMs <= 0) {
        reply();
        return;
      }
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        reply();
      }, delayMs);
      this.#timers.add(timer);
    });
    readBody(req, onBody);
  }

  #bulk(body: Buffer, answer: (status: number, json: string, headers?: Record<string, string>) => void): void {
    const nth = this.bulkRequests++;
    const whole = this.#o.requestAnswer?.(nth);
    if (whole !== undefined) {
      answer(whole.status, `{"error":{"type":"simulated","reason":"bulk-receiver answers ${whole.status}"},"status":${whole.status}}`, whole.retryAfter === undefined ? {} : { 'retry-after': whole.retryAfter });
      return;
    }
    this.bytes += body.length;
    if (this.#o.itemAnswer === undefined && !this.#o.keepDocuments) {
      // Counting only: action + document per item, one newline each.
      let lines = 0;
      for (let i = body.indexOf(0x0a); i >= 0; i = body.indexOf(0x0a, i + 1)) lines++;
      const n = lines >> 1;
      this.documentCount += n;
      answer(200, allCreated(n));
      return;
    }
    const lines = body.toString('utf8').split('\n');
    const items: string[] = [];
    let errors = false;
    for (let i = 0; i + 1 < lines.length; i += 2) {
      const action = lines[i] as string;
      const doc = lines[i + 1] as string;
      const a = this.#o.itemAnswer?.(doc, action) ?? 201;
      if (a === 201) {
        this.documentCount++;
        if (this.#o.keepDocuments) this.documents.push(doc);
        items.push(ITEM_CREATED);
      } else {
        errors = true;
        this.refused[String(a)] = (this.refused[String(a)] ?? 0) + 1;
        items.push(ITEM_ANSWERS[a]);
      }
    }
    answer(200, `{"errors":${errors},"items":[${items.join(',')}]}`);
  }
}

function readBody(req: IncomingMessage, then: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => then(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
}
