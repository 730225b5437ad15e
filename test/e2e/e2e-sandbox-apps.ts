/**
 * Apps writing into Mesos sandboxes made by the replayed agent: each app appends numbered events of its
 * kind (JSON lines, plain text on stdout and stderr, Java stack traces, binary bytes) to its sandbox's
 * stdout/stderr, and remembers what it wrote, so a test can check every event arrived exactly.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MesosReplay } from '../helpers/mesos-replay/replay-server';
import type { AddedExecutor } from '../helpers/mesos-replay/replay-state';

export type AppKind = 'json' | 'plain' | 'java' | 'binary';

/** Multiline start of every app event: a JSON object, an ISO date (Java, stderr) or "seq=" (plain, binary). */
export const START_PATTERN = '^(\\{|\\d{4}-\\d\\d-\\d\\d|seq=)';

/** An HAProxy HTTP log line as rsyslog writes it; its accept date is HAPROXY_LINE_TIME (local time). */
export const haproxyLine = (ip: string, seq: number, bytesRead = 512) =>
  `Nov 21 12:00:00 lb1 haproxy[123]: ${ip}:51234 [21/Nov/2026:12:00:00.123] fe_http be_app/srv1 0/0/1/2/3 200 ${bytesRead} - - ---- 1/1/0/0/0 0/0 "GET /seq=${seq} HTTP/1.1"`;

/** The @timestamp of haproxyLine's documents: its accept date, read in the local time zone. */
export const HAPROXY_LINE_TIME = new Date(2026, 10, 21, 12, 0, 0, 123);

export const SEQ_RE = /seq=(\d{7})/;

export function seqOf(message: unknown): number | undefined {
  const m = SEQ_RE.exec(String(message));
  return m ? Number(m[1]) : undefined;
}

const pad = (n: number) => String(n).padStart(7, '0');
const BINARY = Buffer.from([0x00, 0x01, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0xff, 0xfe, 0xc3, 0x28, 0x80, 0x7f]);

export class SandboxApp {
  readonly appId: string;
  readonly taskId: string;
  readonly executor: AddedExecutor;
  readonly dir: string;
  /** Next sequence number; every event (both streams) takes one. */
  seq = 0;
  /** seq → stream of every event written. */
  readonly written = new Map<number, 'stdout' | 'stderr'>();

  constructor(
    readonly kind: AppKind,
    agent: MesosReplay,
    /** Marathon app id, e.g. "/e2e/json-api". */
    appId: string,
    readonly labels: Record<string, string> = {},
    /** Default: a Marathon task id of appId (command executor: the executor id too). */
    taskId?: string,
  ) {
    this.appId = appId;
    this.taskId = taskId ?? `${appId.slice(1).replace(/\//g, '_')}.instance-${randomUUID()}._app.1`;
    this.executor = agent.addExecutor({ taskId: this.taskId, containerId: randomUUID(), labels, createDirectory: true });
    if (this.executor.directory === undefined) throw new Error('the replayed executor has no sandbox directory');
    this.dir = this.executor.directory;
    // Mesos creates both files when it launches the task.
    writeFileSync(join(this.dir, 'stdout'), '');
    writeFileSync(join(this.dir, 'stderr'), '');
  }

  /** Appends n events (one write per stream). */
  write(n: number): void {
    const out: (string | Buffer)[] = [];
    const err: string[] = [];
    const now = new Date().toISOString();
    for (let i = 0; i < n; i++) {
      const s = this.seq++;
      const p = pad(s);
      switch (this.kind) {
        case 'json':
          out.push(`{"time":"${now}","level":"info","msg":"json seq=${p}","seq":${s},"req":{"path":"/api/v1/items","ms":${s % 97}}}\n`);
          this.written.set(s, 'stdout');
          break;
        case 'plain':
          if (s % 4 === 3) {
            err.push(`${now.slice(0, 10)} ${now.slice(11, 19)} WARN stderr event seq=${p}\n`);
            this.written.set(s, 'stderr');
          } else {
            out.push(`seq=${p} plain text event from a shell script\n`);
            this.written.set(s, 'stdout');
          }
          break;
        case 'java':
          out.push(
            s % 3 === 0
              ? `${now.slice(0, 10)} ${now.slice(11, 23)} ERROR [main] com.example.Service - request failed seq=${p}\n` +
                  'java.lang.IllegalStateException: boom\n\tat com.example.Service.run(Service.java:42)\n\tat com.example.Main.main(Main.java:10)\n' +
                  'Caused by: java.io.IOException: disk full\n\tat com.example.Disk.write(Disk.java:7)\n\t... 2 more\n'
              : `${now.slice(0, 10)} ${now.slice(11, 23)} INFO  [main] com.example.Service - served seq=${p}\n`,
          );
          this.written.set(s, 'stdout');
          break;
        case 'binary':
          out.push(Buffer.concat([Buffer.from(`seq=${p} bin `), BINARY, Buffer.from('\n')]));
          this.written.set(s, 'stdout');
          break;
      }
    }
    if (out.length > 0) appendFileSync(join(this.dir, 'stdout'), Buffer.concat(out.map((x) => (typeof x === 'string' ? Buffer.from(x) : x))));
    if (err.length > 0) appendFileSync(join(this.dir, 'stderr'), err.join(''));
  }
}

/**
 * Appends `perTick` events to each app every `everyMs` until stopped; bounded by maxTicks. Returns stop(),
 * which resolves once the last write is done.
 */
export function keepWriting(apps: SandboxApp[], perTick: number, everyMs: number, maxTicks = 10_000): { stop: () => void; ticks: () => number } {
  let ticks = 0;
  const timer = setInterval(() => {
    if (++ticks > maxTicks) return clearInterval(timer);
    for (const a of apps) a.write(perTick);
  }, everyMs);
  return { stop: () => clearInterval(timer), ticks: () => ticks };
}

/** The Herald config of the sandbox → Elasticsearch tests (YAML). */
export function sandboxConfig(o: { dir: string; agentUrl: string; esOutput: string; workDir?: string; mesos?: string; pipeline?: string; files?: string }): string {
  return [
    `state_dir: ${o.dir}/state`,
    'node_name: e2e-node',
    'server: { port: 0 }',
    `pipeline: ${o.pipeline ?? '{ batch_max_records: 500, batch_max_wait_ms: 50, max_in_flight_batches: 4 }'}`,
    `mesos: { agent_url: "${o.agentUrl}", refresh_interval_ms: 1s, min_refresh_gap_ms: 200, timeout_ms: 1s, retries: 0${o.mesos ?? ''} }`,
    'metrics: { agent: { enabled: false }, containers: { enabled: false }, host: { enabled: false } }',
    'scrape: { enabled: false }',
    // Exact counts: no throttling (QoS has its own tests).
    'qos: { enabled: false }',
    'logs:',
    `  files: ${o.files ?? '[]'}`,
    '  sandboxes:',
    ...(o.workDir === undefined ? [] : [`    work_dir: ${o.workDir}`]),
    '    start_at: beginning',
    '    discovery_interval_ms: 200',
    '    release_after_ms: 2s',
    `    multiline: { start_pattern: '${START_PATTERN}', timeout_ms: 300 }`,
    'outputs:',
    `  elasticsearch: ${o.esOutput}`,
  ].join('\n');
}
