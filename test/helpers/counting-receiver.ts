/**
 * The benchmarks' Elasticsearch: a loopback server that counts the documents of `/_bulk` requests and answers
 * every item `201 created`, over plain sockets: no HTTP library, no body copied or joined, newlines counted
 * as the bytes arrive. The agent's own ceiling is measured against it on the same cores, so it must cost as
 * little as it can: the http-module BulkReceiver (which the tests use, with all its switches) took about
 * 0.45 of a core, and an eighth of the agent's throughput, on a 2-core machine (bench/README.md).
 *
 * It speaks HTTP/1.1 as the @elastic/elasticsearch client does: keep-alive, Content-Length bodies, requests
 * split across reads at any byte or several in one read. A chunked body (the client never sends one) is
 * answered 411 and the connection closed; so is a head over 64 KiB (431). Besides `POST /_bulk` it answers
 * what the sink asks at start: `GET|HEAD /`, and `GET|PUT /_index_template/<name>` (404 until a PUT).
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { allCreated, apiAnswer } from './es-answers';

const MAX_HEAD = 64 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);

export class CountingReceiver {
  /** Documents received in /_bulk bodies (action + document lines, so half their newlines; re-sends included). */
  documentCount = 0;
  /** Bytes of /_bulk bodies received. */
  bytes = 0;
  bulkRequests = 0;
  readonly templates = new Map<string, unknown>();
  url = '';
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  private constructor() {
    this.#server = createServer((socket) => {
      this.#sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      const conn = new Connection(this, socket);
      socket.on('data', (chunk: Buffer) => conn.bytes(chunk));
    });
  }

  static async start(): Promise<CountingReceiver> {
    const r = new CountingReceiver();
    await new Promise<void>((resolve) => r.#server.listen(0, '127.0.0.1', resolve));
    r.url = `http://127.0.0.1:${(r.#server.address() as AddressInfo).port}`;
    return r;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** The answer to one request: its status and JSON body. */
  answer(method: string, path: string, lines: number, body: string): [number, string] {
    if (path !== '/_bulk' || method !== 'POST') return apiAnswer('counting-receiver', method, path, body, this.templates);
    const n = lines >> 1;
    this.bulkRequests++;
    this.documentCount += n;
    return [200, allCreated(n)];
  }
}

/** One connection's requests, read as the bytes come. */
class Connection {
  /** The start of a head split across reads. */
  #head: Buffer = EMPTY;
  /** Set once the connection is refused: what follows is not read. */
  #dead = false;
  /** Body bytes still to come; -1 while reading a head. */
  #left = -1;
  #method = '';
  #path = '';
  #close = false;
  #lines = 0;
  /** A body kept whole (a template); bulk bodies are only counted. */
  #kept: Buffer[] | undefined;

  constructor(
    private readonly r: CountingReceiver,
    private readonly socket: Socket,
  ) {}

  bytes(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length && !this.#dead) {
      if (this.#left < 0) {
        i = this.#readHead(chunk, i);
        continue;
      }
      const end = i + Math.min(this.#left, chunk.length - i);
      if (this.#kept) this.#kept.push(chunk.subarray(i, end));
      else {
        for (let j = chunk.indexOf(0x0a, i); j !== -1 && j < end; j = chunk.indexOf(0x0a, j + 1)) this.#lines++;
        this.r.bytes += end - i;
      }
      this.#left -= end - i;
      i = end;
      if (this.#left === 0) this.#respond();
    }
  }

  /** Reads head bytes from i; returns where the body starts (or the chunk's end while the head goes on). */
  #readHead(chunk: Buffer, i: number): number {
    // Most heads arrive whole in one read: they are searched for in place. One split across reads is kept
    // (a copy of a few hundred bytes) and searched again with the next read.
    const split = this.#head.length;
    const bytes = split === 0 ? chunk : Buffer.concat([this.#head, chunk.subarray(i)]);
    const from = split === 0 ? i : 0;
    const end = bytes.indexOf(HEAD_END, split === 0 ? i : Math.max(0, split - 3));
    if (end < 0) {
      this.#head = split === 0 ? Buffer.from(chunk.subarray(i)) : bytes;
      if (this.#head.length > MAX_HEAD) this.#refuse(431, 'Request Header Fields Too Large');
      return chunk.length;
    }
    const head = bytes.toString('latin1', from, end);
    const bodyStart = split === 0 ? end + 4 : i + end + 4 - split;
    this.#head = EMPTY;
    const lines = head.split('\r\n');
    const [method = '', target = ''] = (lines[0] ?? '').split(' ');
    this.#method = method;
    this.#path = target.split('?')[0] ?? '';
    this.#lines = 0;
    let length = 0;
    this.#close = false;
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') length = Number(value);
      else if (name === 'transfer-encoding') {
        this.#refuse(411, 'Length Required');
        return chunk.length;
      } else if (name === 'connection' && value.toLowerCase() === 'close') this.#close = true;
    }
    if (!Number.isSafeInteger(length) || length < 0) {
      this.#refuse(400, 'Bad Request');
      return chunk.length;
    }
    this.#kept = this.#path === '/_bulk' ? undefined : [];
    this.#left = length;
    if (length === 0) this.#respond();
    return bodyStart;
  }

  #respond(): void {
    const body = this.#kept === undefined ? '' : Buffer.concat(this.#kept).toString('utf8');
    const [status, json] = this.r.answer(this.#method, this.#path, this.#lines, body);
    const payload = this.#method === 'HEAD' ? '' : json;
    this.socket.write(
      `HTTP/1.1 ${status} ${status === 200 ? 'OK' : 'Not Found'}\r\ncontent-type: application/json\r\nx-elastic-product: Elasticsearch\r\n` +
      `content-length: ${Buffer.byteLength(json)}\r\n\r\n${payload}`,
      'utf8',
    );
    this.#left = -1;
    this.#kept = undefined;
    if (this.#close) this.socket.end();
  }

  #refuse(status: number, reason: string): void {
    this.#dead = true;
    this.socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
  }
}
