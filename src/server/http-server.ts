/**
 * Herald's own endpoint: /metrics (Prometheus text), /healthz (the process and its event loop answer),
 * /ready (the pipeline is running: sinks started, sources reading).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { ServerConfig } from './config';

export interface HttpServerOptions {
  config: ServerConfig;
  metrics: Registry;
  isReady(): boolean;
}

export class HttpServer {
  readonly #o: HttpServerOptions;
  #server: Server | undefined;

  constructor(o: HttpServerOptions) {
    this.#o = o;
  }

  async start(): Promise<AddressInfo> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      if (path === '/metrics') {
        this.#o.metrics.metrics().then(
          (text) => res.writeHead(200, { 'content-type': this.#o.metrics.contentType }).end(text),
          (err: unknown) => res.writeHead(500).end(String(err)),
        );
      } else if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      } else if (path === '/ready') {
        const ready = this.#o.isReady();
        res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ready\n' : 'not ready\n');
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics, /healthz or /ready\n');
      }
    });
    server.keepAliveTimeout = 5000;
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#o.config.port, this.#o.config.address, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
