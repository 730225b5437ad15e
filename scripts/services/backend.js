#!/usr/bin/env node
'use strict';
// Tiny HTTP backend behind the private HAProxy (scripts/services/haproxy.sh).
// Only node's http module. Usage: node backend.js [port] [pidfile]
//   GET /            200 "ok"
//   GET /missing     404 "not found"
//   /status/<code>   answers with that status code (100..599 except 1xx -> 200)
//   /slow/<ms>       200 "slow" after <ms> milliseconds (at most 10000)
//   anything else    200, echoes the request as JSON (method, url, headers, body)
const http = require('node:http');
const fs = require('node:fs');

const port = Number(process.argv[2] || process.env.HERALD_BACKEND_PORT || 18090);
const pidfile = process.argv[3];

function send(res, code, body, type = 'text/plain; charset=utf-8') {
  res.writeHead(code, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size <= 1 << 20) chunks.push(c);
  });
  req.on('end', () => {
    const url = req.url || '/';
    const path = url.split('?')[0];
    let m;
    if (path === '/') return send(res, 200, 'ok\n');
    if (path === '/missing') return send(res, 404, 'not found\n');
    if ((m = /^\/status\/(\d{3})$/.exec(path))) {
      let code = Number(m[1]);
      if (code < 200 || code > 599) code = 200;
      return send(res, code, `status ${code}\n`);
    }
    if ((m = /^\/slow\/(\d+)$/.exec(path))) {
      const ms = Math.min(Number(m[1]), 10000);
      setTimeout(() => send(res, 200, 'slow\n'), ms);
      return undefined;
    }
    const echo = {
      method: req.method,
      url,
      httpVersion: req.httpVersion,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    return send(res, 200, JSON.stringify(echo) + '\n', 'application/json');
  });
});

server.keepAliveTimeout = 5000;
server.on('error', (err) => {
  console.error(`backend: ${err.message}`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => {
  if (pidfile) fs.writeFileSync(pidfile, `${process.pid}\n`);
  console.log(`backend: listening on 127.0.0.1:${port} (pid ${process.pid})`);
});

function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
