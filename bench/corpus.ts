/**
 * A deterministic corpus of mixed node log lines for the benchmarks: Mesos-sandbox-style app output (JSON
 * lines, plain text with Java stack traces), HAProxy HTTP logs and syslog lines as rsyslog writes them.
 * The same seed and size always give byte-identical files.
 *   node dist-bench/bench/corpus.js DIR [MiB]
 */
import { mkdirSync, openSync, writeSync, closeSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CorpusFile {
  path: string;
  format: 'json' | 'plain' | 'haproxy' | 'syslog';
  lines: number;
  bytes: number;
}

export interface Corpus {
  dir: string;
  files: CorpusFile[];
  lines: number;
  bytes: number;
}

/** mulberry32: tiny, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const PATHS = ['/api/items', '/api/orders', '/api/users', '/healthz', '/static/app.js', '/api/cart/checkout'];
const LEVELS = ['info', 'info', 'info', 'debug', 'warn', 'error'];
const WORDS = 'order payment user cart item shipment invoice request cache database retry timeout processed accepted'.split(' ');

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

type Gen = (r: () => number, t: number, i: number) => string;

const generators: Record<CorpusFile['format'], Gen> = {
  json: (r, t, i) => {
    const d = new Date(t);
    return JSON.stringify({
      ts: d.toISOString(),
      level: LEVELS[Math.floor(r() * LEVELS.length)],
      msg: `${WORDS[Math.floor(r() * WORDS.length)]} ${WORDS[Math.floor(r() * WORDS.length)]} completed`,
      request_id: `req-${(i * 2654435761) >>> 0}`,
      path: `${PATHS[Math.floor(r() * PATHS.length)]}/${Math.floor(r() * 10000)}`,
      duration_ms: Math.floor(r() * 500),
      status: r() < 0.95 ? 200 : 500,
    });
  },
  plain: (r, t, i) => {
    const d = new Date(t);
    const head = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())},${pad(d.getUTCMilliseconds(), 3)}`;
    if (r() < 0.02) {
      return `${head} ERROR [worker-${i % 8}] com.shop.OrderService - failed to process order ${i}\n` +
        'java.lang.IllegalStateException: inventory unavailable\n' +
        '\tat com.shop.OrderService.reserve(OrderService.java:142)\n' +
        '\tat com.shop.OrderService.process(OrderService.java:88)\n' +
        '\tat java.base/java.lang.Thread.run(Thread.java:833)';
    }
    return `${head} INFO  [worker-${i % 8}] com.shop.OrderService - processed ${WORDS[Math.floor(r() * WORDS.length)]} ${i} in ${Math.floor(r() * 300)}ms`;
  },
  haproxy: (r, t) => {
    const d = new Date(t);
    const status = r() < 0.9 ? 200 : r() < 0.5 ? 404 : 503;
    const srv = status === 503 ? '<NOSRV>' : `10_0_6_${Math.floor(r() * 250)}_31${Math.floor(r() * 900) + 100}`;
    return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} node-1 haproxy[1234]: ` +
      `10.0.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}:${Math.floor(r() * 60000) + 1024} [${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}] ` +
      `marathon_http_in shop_web_10000/${srv} 0/0/${Math.floor(r() * 3)}/${Math.floor(r() * 40)}/${Math.floor(r() * 50)} ${status} ${Math.floor(r() * 20000)} - - ---- ` +
      `${Math.floor(r() * 100)}/${Math.floor(r() * 100)}/${Math.floor(r() * 10)}/${Math.floor(r() * 5)}/0 0/0 "GET ${PATHS[Math.floor(r() * PATHS.length)]}/${Math.floor(r() * 10000)} HTTP/1.1"`;
  },
  syslog: (r, t, i) => {
    const d = new Date(t);
    const head = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} node-1`;
    const kind = r();
    if (kind < 0.4) return `${head} sshd[${1000 + (i % 500)}]: Accepted publickey for deploy from 10.0.${i % 255}.${(i * 7) % 255} port ${40000 + (i % 20000)} ssh2`;
    if (kind < 0.7) return `${head} mesos-agent[2211]: I1121 ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}000  2245 slave.cpp:2063] Got assigned task 'shop_web.instance-${i}._app.1' for framework 7ff8b4a8-0000`;
    return `${head} kernel: [${(i / 10).toFixed(6)}] eth0: link up, 1000Mbps, full-duplex`;
  },
};

/** The mix, by share of bytes: mostly sandbox output, then HAProxy, then syslog. */
const LAYOUT: { name: string; format: CorpusFile['format']; share: number }[] = [
  { name: 'sandbox-json-1.log', format: 'json', share: 0.2 },
  { name: 'sandbox-json-2.log', format: 'json', share: 0.15 },
  { name: 'sandbox-plain-1.log', format: 'plain', share: 0.15 },
  { name: 'sandbox-plain-2.log', format: 'plain', share: 0.1 },
  { name: 'haproxy.log', format: 'haproxy', share: 0.25 },
  { name: 'syslog', format: 'syslog', share: 0.15 },
];

export function generateCorpus(dir: string, totalBytes: number, seed = 42): Corpus {
  const manifest = join(dir, 'manifest.json');
  if (existsSync(manifest)) {
    const m = JSON.parse(readFileSync(manifest, 'utf8')) as Corpus & { totalBytes: number; seed: number };
    if (m.totalBytes === totalBytes && m.seed === seed) return m;
  }
  mkdirSync(dir, { recursive: true });
  const files: CorpusFile[] = [];
  LAYOUT.forEach((f, idx) => {
    const r = prng(seed * 31 + idx);
    const path = join(dir, f.name);
    const fd = openSync(path, 'w');
    const target = Math.floor(totalBytes * f.share);
    let bytes = 0;
    let lines = 0;
    let t = Date.UTC(2026, 10, 21, 0, 0, 0);
    let chunk: string[] = [];
    let chunkBytes = 0;
    while (bytes < target) {
      const text = (generators[f.format])(r, t, lines);
      t += Math.floor(r() * 20);
      chunk.push(text);
      const n = Buffer.byteLength(text) + 1;
      chunkBytes += n;
      bytes += n;
      lines += f.format === 'plain' ? text.split('\n').length : 1;
      if (chunkBytes > 1 << 20) {
        writeSync(fd, `${chunk.join('\n')}\n`);
        chunk = [];
        chunkBytes = 0;
      }
    }
    if (chunk.length) writeSync(fd, `${chunk.join('\n')}\n`);
    closeSync(fd);
    files.push({ path, format: f.format, lines, bytes });
  });
  const corpus: Corpus = { dir, files, lines: files.reduce((a, f) => a + f.lines, 0), bytes: files.reduce((a, f) => a + f.bytes, 0) };
  writeFileSync(manifest, JSON.stringify({ ...corpus, totalBytes, seed }, null, 1));
  return corpus;
}

if (require.main === module) {
  const dir = process.argv[2] ?? join(__dirname, '.corpus');
  const mib = Number(process.argv[3] ?? 300);
  const c = generateCorpus(dir, mib * 1024 * 1024);
  process.stdout.write(`${c.lines} physical lines, ${(c.bytes / 1048576).toFixed(1)} MiB in ${c.dir}\n`);
}
