/**
 * A Mesos agent HTTP API served from recorded payloads (README.md in this folder documents the API).
 * Tests of the logs, metrics and scrape collectors start one on 127.0.0.1, add and complete executors,
 * tick time forward, and switch failure modes on and off.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { clone, containersEntryTemplate, type Json, type SnapshotFixture, type StateFixture, type StatisticsTemplate } from './recorded';
import { ReplayState, type AddExecutorOptions, type AddedExecutor } from './replay-state';
import { AgentSnapshot, ContainerStats } from './replay-stats';

export type FailureMode = 'refuse' | 'reset' | 'status503' | 'hang' | 'badJson';

export interface MesosReplayOptions {
  /** Listen port on 127.0.0.1 (default 0: any free port). */
  readonly port?: number;
  /** Recorded /state to start from (default 'datadog', the only one with flags and a sandbox directory). */
  readonly state?: StateFixture;
  readonly snapshot?: SnapshotFixture;
  /** flags.work_dir of /state (tests point it at a temp dir). */
  readonly workDir?: string;
  /** Statistics template of containers (default 'cgroups'). */
  readonly statistics?: StatisticsTemplate;
  /** Seconds of agent time per tick (default 10). */
  readonly tickSecs?: number;
  /** Tick on a real timer every this many ms (benchmarks); default: only explicit tick(). */
  readonly autoTickMs?: number;
  /** Require HTTP basic authentication (401 otherwise), except on /health like Mesos. */
  readonly basicAuth?: { readonly username: string; readonly password: string };
  /** Require "Authorization: Bearer <token>". */
  readonly bearerToken?: string;
  /** Serve https with this key and certificate (PEM). */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
}

interface Container {
  readonly frameworkId: string;
  readonly executorId: string;
  readonly containerId: string;
  readonly stats: ContainerStats;
}

export class MesosReplay {
  readonly state: ReplayState;
  readonly snapshot: AgentSnapshot;
  /** Every request received: path (with query) and whether it carried valid credentials. */
  readonly requests: { path: string; authorized: boolean }[] = [];
  #server: Server;
  #port = 0;
  #nowSecs: number;
  #ticks = 0;
  #failure: { mode: FailureMode; remaining: number } | undefined;
  readonly #containers = new Map<string, Container>();
  readonly #sockets = new Set<Socket>();
  readonly #hanging = new Set<ServerResponse>();
  readonly #opts: MesosReplayOptions;
  #autoTick: NodeJS.Timeout | undefined;

  constructor(opts: MesosReplayOptions = {}) {
    this.#opts = opts;
    this.state = new ReplayState(opts.state ?? 'datadog');
    if (opts.workDir !== undefined) this.state.setWorkDir(opts.workDir);
    this.snapshot = new AgentSnapshot(opts.snapshot ?? 'modern');
    this.#nowSecs = typeof this.state.doc['start_time'] === 'number' ? Math.floor(this.state.doc['start_time']) + 3600 : 1_700_000_000;
    for (const { framework, executor, completed } of this.state.executors()) {
      if (!completed && typeof executor['container'] === 'string') this.#track(framework['id'] as string, executor['id'] as string, executor['container']);
    }
    const handler = (req: IncomingMessage, res: ServerResponse): void => this.#handle(req, res);
    this.#server = opts.tls ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : createHttpServer(handler);
    this.#server.keepAliveTimeout = 5000;
    this.#server.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    this.#server.on('secureConnection', (s: Socket) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
  }

  get port(): number {
    return this.#port;
  }
  get url(): string {
    return `${this.#opts.tls ? 'https' : 'http'}://127.0.0.1:${this.#port}`;
  }
  /** The agent's clock (float seconds, like Mesos timestamps). */
  get nowSecs(): number {
    return this.#nowSecs;
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#port !== 0 ? this.#port : (this.#opts.port ?? 0), '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#port = (this.#server.address() as { port: number }).port;
    if (this.#opts.autoTickMs !== undefined && this.#autoTick === undefined) {
      this.#autoTick = setInterval(() => this.tick(), this.#opts.autoTickMs);
      this.#autoTick.unref();
    }
    return this;
  }

  addExecutor(o: AddExecutorOptions & { statistics?: StatisticsTemplate }): AddedExecutor {
    const added = this.state.addExecutor(o, this.#nowSecs);
    this.#track(added.frameworkId, added.executorId, added.containerId, o.statistics);
    return added;
  }

  completeExecutor(executorId: string): void {
    this.state.completeExecutor(executorId, this.#nowSecs);
    this.#untrack(executorId);
  }

  removeExecutor(executorId: string): void {
    this.state.removeExecutor(executorId);
    this.#untrack(executorId);
  }

  setWorkDir(dir: string): void {
    this.state.setWorkDir(dir);
  }

  /** Advances the agent's clock by n ticks: container counters grow, snapshot counters grow, gauges move. */
  tick(n = 1): void {
    const secs = this.#opts.tickSecs ?? 10;
    for (let i = 0; i < n; i++) {
      this.#ticks++;
      this.#nowSecs += secs;
      for (const c of this.#containers.values()) c.stats.tick(this.#ticks, this.#nowSecs);
      this.snapshot.tick(secs, { executorsRunning: this.#containers.size, tasksRunning: this.#runningTasks() });
    }
  }

  /** The agent process restarts: /metrics/snapshot counters and slave/uptime_secs start again from 0. */
  restartAgent(): void {
    this.snapshot.restart();
  }

  /**
   * Fails the next `times` requests (default: all until cleared) in this way. 'refuse' stops listening
   * (connections are refused) until setFailure(null), whatever `times` says.
   */
  async setFailure(mode: FailureMode | null, opts: { times?: number } = {}): Promise<void> {
    const wasRefusing = this.#failure?.mode === 'refuse';
    this.#failure = mode === null ? undefined : { mode, remaining: opts.times ?? Infinity };
    if (mode === 'refuse' && !wasRefusing) {
      await new Promise<void>((resolve) => {
        this.#server.close(() => resolve());
        for (const s of this.#sockets) s.destroy();
      });
    } else if (mode !== 'refuse' && wasRefusing) {
      await this.listen();
    }
  }

  /** Requests whose path (without query and /slave(1) prefix) is this. */
  requestCount(path: string): number {
    return this.requests.filter((r) => bare(r.path) === path).length;
  }

  async close(): Promise<void> {
    if (this.#autoTick) clearInterval(this.#autoTick);
    for (const res of this.#hanging) res.destroy();
    await new Promise<void>((resolve) => {
      if (!this.#server.listening) return resolve();
      this.#server.close(() => resolve());
      for (const s of this.#sockets) s.destroy();
    });
  }

  #track(frameworkId: string, executorId: string, containerId: string, template?: StatisticsTemplate): void {
    const stats = new ContainerStats(template ?? this.#opts.statistics ?? 'cgroups', this.#containers.size, this.#nowSecs);
    this.#containers.set(executorId, { frameworkId, executorId, containerId, stats });
  }

  #untrack(executorId: string): void {
    this.#containers.delete(executorId);
  }

  #runningTasks(): number {
    let n = 0;
    for (const { executor, completed } of this.state.executors()) if (!completed) n += ((executor['tasks'] as unknown[] | undefined) ?? []).length;
    return n;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    const route = bare(path);
    const authorized = this.#authorized(req);
    this.requests.push({ path, authorized });
    if (this.#failure !== undefined && this.#failure.remaining > 0) {
      const mode = this.#failure.mode;
      if (--this.#failure.remaining <= 0) this.#failure = undefined;
      if (mode === 'reset' || mode === 'refuse') return void req.socket.destroy();
      if (mode === 'hang') return void this.#hanging.add(res);
      if (mode === 'status503') return void res.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
      const body = this.#body(route);
      if (body !== undefined) return void res.writeHead(200, { 'content-type': 'application/json' }).end(body.slice(0, Math.floor(body.length / 2)));
    }
    if (route !== '/health' && !authorized) {
      return void res.writeHead(401, { 'www-authenticate': 'Basic realm="mesos"', 'content-type': 'text/plain' }).end();
    }
    if (route === '/health') return void res.writeHead(200).end();
    const body = this.#body(route);
    if (body === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  }

  #authorized(req: IncomingMessage): boolean {
    const header = req.headers['authorization'] ?? '';
    if (this.#opts.basicAuth) {
      const { username, password } = this.#opts.basicAuth;
      return header === `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    }
    if (this.#opts.bearerToken !== undefined) return header === `Bearer ${this.#opts.bearerToken}`;
    return true;
  }

  #body(route: string): string | undefined {
    switch (route) {
      case '/state':
      case '/state.json':
        return JSON.stringify(this.state.doc);
      case '/metrics/snapshot':
        return JSON.stringify(this.snapshot.json());
      case '/containers':
        return JSON.stringify(this.#entries(true));
      case '/monitor/statistics':
      case '/monitor/statistics.json':
        return JSON.stringify(this.#entries(false));
      case '/flags':
        // Mesos wraps the flags object: {"flags": {...}} (src/slave/http.cpp); the values are the recorded ones.
        return this.state.doc['flags'] === undefined ? undefined : JSON.stringify({ flags: this.state.doc['flags'] });
      case '/version': {
        const keys = ['version', 'build_date', 'build_time', 'build_user', 'git_sha', 'git_branch', 'git_tag'];
        return JSON.stringify(Object.fromEntries(keys.filter((k) => k in this.state.doc).map((k) => [k, this.state.doc[k]])));
      }
      default:
        return undefined;
    }
  }

  /** Recorded /containers entries with each container's ids and statistics (/monitor/statistics: no container_id). */
  #entries(withContainerId: boolean): Json[] {
    const executors = new Map<unknown, Json>();
    for (const { executor, completed } of this.state.executors()) if (!completed) executors.set(executor['id'], executor);
    return [...this.#containers.values()].map((c) => this.#entry(c, executors.get(c.executorId), withContainerId));
  }

  #entry(c: Container, executor: Json | undefined, withContainerId: boolean): Json {
    const e = containersEntryTemplate();
    e['container_id'] = c.containerId;
    e['executor_id'] = c.executorId;
    e['executor_name'] = typeof executor?.['name'] === 'string' ? executor['name'] : '';
    e['framework_id'] = c.frameworkId;
    e['source'] = typeof executor?.['source'] === 'string' ? executor['source'] : c.executorId;
    e['statistics'] = clone(c.stats.statistics);
    if (!withContainerId) delete e['container_id'];
    return e;
  }
}

function bare(path: string): string {
  const q = path.indexOf('?');
  return (q < 0 ? path : path.slice(0, q)).replace(/^\/slave\(1\)/, '');
}

/** Creates and starts a replay server. */
export async function startMesosReplay(opts: MesosReplayOptions = {}): Promise<MesosReplay> {
  return new MesosReplay(opts).listen();
}
