/**
 * Stopping and starting the shared Elasticsearch and InfluxDB (scripts/services.sh) inside outage tests,
 * and small polling helpers. Other tests use these services: whoever stops one registers its restart in a
 * teardown first, so it comes back even when the test fails or throws.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, probeService } from '../helpers/services';

const SCRIPT = join(REPO_ROOT, 'scripts', 'services.sh');

export type OutageService = 'elasticsearch' | 'influxdb';

/** `scripts/services.sh <cmd> <name>`; rejects with its output when it fails or takes longer than timeoutMs. */
export function servicesCmd(cmd: 'start' | 'stop', name: OutageService, timeoutMs = 240_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [SCRIPT, cmd, name], { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`services.sh ${cmd} ${name} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(`${stdout}${stderr}`);
    });
  });
}

interface TeardownTest {
  teardown(fn: () => unknown): void;
  comment(...args: unknown[]): void;
}

/**
 * Stops `name` and returns a function that starts it again (idempotent). The same start is registered as a
 * teardown before anything is stopped: the service is back after the test whatever happens.
 */
export async function stopService(t: TeardownTest, name: OutageService): Promise<() => Promise<number>> {
  let started = false;
  const start = async (): Promise<number> => {
    if (started) return 0;
    const t0 = Date.now();
    await servicesCmd('start', name);
    started = true;
    return Date.now() - t0;
  };
  t.teardown(async () => {
    if (!started) await start().catch((err: unknown) => t.comment(`RESTART OF ${name} FAILED: ${String(err)}`));
  });
  await servicesCmd('stop', name);
  // stop returns once the process is gone; make sure nothing answers any more.
  await waitFor(async () => (await probeService(name)) !== null, 20_000, `${name} down`);
  return start;
}

/** Polls an async condition every intervalMs until it holds; rejects after timeoutMs naming `what`. */
export async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs: number, what: string, intervalMs = 250): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A short random token for names of indices, buckets and templates of one test run. */
export function runToken(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
}
