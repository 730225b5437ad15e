/**
 * Runs the built agent (dist/main.js) as a real child process, the way an operator does, for tests that
 * kill and restart it. Reads what it wrote to the embedded file output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO = resolve(__dirname, '..', '..');
export const MAIN = join(REPO, 'dist', 'main.js');

export interface HeraldProcess {
  child: ChildProcess;
  /** Herald's own log lines (pino JSON), parsed. */
  logs: Record<string, unknown>[];
  stderr: string;
  port: number;
  exited: Promise<number | null>;
}

export function assertBuilt(): void {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" (npm test does it)`);
}

/**
 * A config for a test agent: its state under `dir`, any free port, short batch waits, and these
 * `logs.files` entries (YAML flow mappings).
 */
export function writeFilesConfig(dir: string, files: string[], extra: string[] = []): string {
  return writeConfig(
    dir,
    [`state_dir: ${dir}/state`, 'server: { port: 0 }', 'pipeline: { batch_max_wait_ms: 20 }', ...extra, 'logs:', '  files:', ...files.map((f) => `    - ${f}`)].join('\n'),
  );
}

export function writeConfig(dir: string, yaml: string): string {
  const file = join(dir, 'herald.yaml');
  writeFileSync(file, yaml);
  return file;
}

/** Starts Herald and resolves once it logged "herald started" (or rejects with its stderr when it exits first). */
export async function startHerald(configFile: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 20_000): Promise<HeraldProcess> {
  assertBuilt();
  const child = spawn(process.execPath, [MAIN, 'run', '--config', configFile], {
    env: { ...process.env, HERALD_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc: HeraldProcess = {
    child,
    logs: [],
    stderr: '',
    port: 0,
    // 'close', not 'exit': by then its stdout has been read to the end, its last log lines included.
    exited: new Promise((r) => child.once('close', (code) => r(code))),
  };
  let buf = '';
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        proc.logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        proc.logs.push({ raw: line });
      }
    }
  });
  child.stderr?.on('data', (d: Buffer) => (proc.stderr += d.toString('utf8')));
  const end = Date.now() + timeoutMs;
  for (;;) {
    const started = proc.logs.find((l) => l['msg'] === 'herald started');
    if (started) {
      const server = started['server'] as { port?: number } | undefined;
      proc.port = server?.port ?? 0;
      return proc;
    }
    if (child.exitCode !== null) throw new Error(`herald exited with ${child.exitCode} before starting:\n${proc.stderr}\n${JSON.stringify(proc.logs)}`);
    if (Date.now() > end) {
      child.kill('SIGKILL');
      throw new Error(`herald did not start within ${timeoutMs} ms:\n${proc.stderr}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function stopHerald(p: HeraldProcess, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<number | null> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return p.child.exitCode;
  p.child.kill(signal);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
  const code = await p.exited;
  clearTimeout(timer);
  return code;
}

/** Every document Herald wrote to its embedded output (rotated files first, oldest to newest). */
export function readOutputDocs(outputDir: string): Record<string, unknown>[] {
  if (!existsSync(outputDir)) return [];
  const files = readdirSync(outputDir).filter((f) => /^logs(-.*)?\.ndjson$/.test(f));
  const ordered = [...files.filter((f) => f !== 'logs.ndjson').sort(), ...files.filter((f) => f === 'logs.ndjson')];
  const docs: Record<string, unknown>[] = [];
  for (const f of ordered) {
    const lines = readFileSync(join(outputDir, f), 'utf8').split('\n');
    // What follows the last newline is a line still being written (Herald may be running): not read yet.
    lines.pop();
    for (let i = 1; i < lines.length; i += 2) {
      const line = lines[i] as string;
      if (line === '') continue;
      docs.push(JSON.parse(line) as Record<string, unknown>);
    }
  }
  return docs;
}

/** Herald's own Prometheus exposition (GET /metrics on its server port), as text. */
export async function heraldMetricsText(p: HeraldProcess, timeoutMs = 3000): Promise<string> {
  if (p.port === 0) throw new Error('this Herald serves no /metrics (server disabled)');
  const res = await fetch(`http://127.0.0.1:${p.port}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
  return res.text();
}

/**
 * The value of one series in a Prometheus exposition: `name` with exactly these labels (order free);
 * undefined when the series is absent.
 */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',');
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || line.startsWith('#')) continue;
    const m = /^([^\s{]+)(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = (m[2] ?? '')
      .split(/,(?=[A-Za-z_]+=")/)
      .filter((s) => s !== '')
      .sort()
      .join(',');
    if (got === want) return Number(m[3]);
  }
  return undefined;
}

/** A Herald metric right now, from its /metrics (undefined when absent or Herald does not answer). */
export async function heraldMetric(p: HeraldProcess, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  try {
    return metricValue(await heraldMetricsText(p), name, labels);
  } catch {
    return undefined;
  }
}
