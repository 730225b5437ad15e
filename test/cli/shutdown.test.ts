/**
 * The agent as a real process around its lifecycle edges: SIGINT and SIGTERM drain what is in flight and
 * commit it before exiting 0, and /ready answers 503 while the pipeline is starting or stopping. The
 * loopback bulk receiver holds chosen requests until the test releases them, so the windows are held open
 * by the test rather than by timing.
 */
import t from 'tap';
import { createServer, type AddressInfo } from 'node:net';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { assertBuilt, startHerald, stopHerald, writeConfig, type HeraldProcess } from '../helpers/herald-process';
import { until, within } from '../helpers/fakes';
import { BulkReceiver } from '../helpers/bulk-receiver';

assertBuilt();

/** GET /ready: its status, or 0 when nothing answers. */
async function readyStatus(port: number): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(2000) })).status;
  } catch {
    return 0;
  }
}

/** Polls /ready until it answers `want` (every status seen is returned), for at most `timeoutMs`. */
async function pollReady(port: number, want: number, timeoutMs: number): Promise<number[]> {
  const seen: number[] = [];
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const status = await readyStatus(port);
    seen.push(status);
    if (status === want) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return seen;
}

/** The committed offset of `path` in the files source's offsets store, or undefined when not recorded. */
function committedOffset(stateDir: string, path: string): number | undefined {
  const file = join(stateDir, 'offsets', 'files.json');
  if (!existsSync(file)) return undefined;
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { files: { path: string; offset: number }[] };
  return doc.files.find((f) => f.path === path)?.offset;
}

/** The exit code, once Herald has exited and its output has been read to the end. */
const exitCode = (p: HeraldProcess, timeoutMs: number): Promise<number | null> => within(p.exited, timeoutMs, 'herald to exit');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  void t.test(`${signal} with a bulk request unanswered: /ready turns 503, the batch is still delivered and committed, exit 0`, async (t) => {
    const es = await BulkReceiver.start({ keepDocuments: true, hold: (method, path) => method === 'POST' && path === '/_bulk' });
    t.teardown(() => es.close());
    const dir = t.testdir({ 'a.log': 'one\ntwo\nthree\n' });
    const log = join(dir, 'a.log');
    const state = join(dir, 'state');
    const file = writeConfig(
      dir,
      [
        `state_dir: ${state}`,
        'server: { port: 0 }',
        // Long enough that the drain is ended by the answer the test releases, never by the deadline.
        'pipeline: { batch_max_wait_ms: 20, shutdown_timeout_ms: 60000 }',
        `logs: { files: [ { path: ${log}, start_at: beginning } ] }`,
        `outputs: { elasticsearch: { url: "${es.url}", template: { install: false }, request_timeout_ms: 60000 } }`,
      ].join('\n'),
    );
    const p = await startHerald(file);
    t.teardown(() => stopHerald(p, 'SIGKILL'));
    await until(() => es.held.length === 1, 10_000, 'the bulk request');
    t.equal(await readyStatus(p.port), 200, 'ready while running');
    t.notOk((committedOffset(state, log) ?? 0) > 0, 'nothing committed before Elasticsearch answered');

    p.child.kill(signal);
    const seen = await pollReady(p.port, 503, 10_000);
    t.equal(seen[seen.length - 1], 503, `/ready answered 503 while stopping (seen: ${[...new Set(seen)].join(', ')})`);
    t.equal(p.child.exitCode, null, 'still draining: the unanswered batch holds the shutdown');
    // The log line travels through a pipe, and can arrive after /ready turned 503.
    const shuttingDown = () => p.logs.some((l) => l['msg'] === 'shutting down' && l['signal'] === signal);
    await until(shuttingDown, 10_000, `"shutting down" logged with signal ${signal}`).catch(() => undefined);
    t.ok(shuttingDown(), `"shutting down" logged with signal ${signal}`);
    t.equal(p.child.exitCode, null, 'still draining once that was logged');

    es.release();
    t.equal(await exitCode(p, 20_000), 0);
    t.equal(p.child.signalCode, null, `handled ${signal}, not killed by it`);
    t.same(es.documents.map((d) => (JSON.parse(d) as { message: string }).message), ['one', 'two', 'three'], 'the in-flight batch was delivered during the drain');
    t.equal(committedOffset(state, log), statSync(log).size, 'its offset was committed before exit');
    t.ok(p.logs.some((l) => l['msg'] === 'herald stopped'));
  });
}

void t.test('/ready answers 503 while the pipeline is starting (index templates not installed yet), then 200', async (t) => {
  const es = await BulkReceiver.start({ hold: (_method, path) => path.startsWith('/_index_template/') });
  t.teardown(() => es.close());
  // The port is logged only once started, and this test must ask before: pick a free one.
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const free = (s.address() as AddressInfo).port;
      s.close(() => resolve(free));
    });
  });
  const dir = t.testdir();
  const file = writeConfig(
    dir,
    [
      `state_dir: ${dir}/state`,
      `server: { port: ${port} }`,
      'logs: { files: [] }',
      `outputs: { elasticsearch: { url: "${es.url}", request_timeout_ms: 60000 } }`,
    ].join('\n'),
  );
  const starting = startHerald(file);
  // Awaited below; a failure to start must not surface as an unhandled rejection meanwhile.
  starting.catch(() => undefined);
  t.teardown(async () => {
    es.release();
    const p = await starting.catch(() => undefined);
    if (p) await stopHerald(p, 'SIGKILL');
  });
  // The sink's start awaits its first template request: held, it keeps the pipeline starting.
  await until(() => es.held.length === 1, 10_000, 'the first template request');
  t.equal(await readyStatus(port), 503, 'not ready while starting');

  es.release();
  const p = await starting;
  t.equal(p.port, port);
  t.equal(await readyStatus(port), 200, 'ready once started');
  t.equal(await stopHerald(p, 'SIGTERM'), 0);
});
