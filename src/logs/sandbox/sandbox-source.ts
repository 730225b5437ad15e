/**
 * SandboxSource: a TailSource whose watch groups follow the sandboxes on disk.
 *
 * Lifecycle: nothing happens until batches() is first iterated; then the offsets file is loaded, a first
 * discovery pass sets the groups (so the tail engine's first scan already sees them, and `start_at` applies
 * to exactly the sandboxes present at start), and passes repeat every discovery_interval_ms and soon after
 * the metadata changed. close() stops discovery, then closes the tail source (which writes its offsets).
 *
 * Policies (README.md): a sandbox is tailed from its discovery until its directory is gone (garbage
 * collected: its open files are drained by the engine, then released) or its run has completed and its
 * stream files have been idle for release_after_ms (counted from when we started tailing it at the
 * earliest); a released sandbox is not tailed again while its directory exists. Identity comes from the
 * metadata (`bySandbox`), else from the path; a new sandbox the agent does not know triggers refreshSoon(),
 * and identities are rebuilt on every metadata change (same group ids: file positions are kept).
 *
 * This module does the I/O and the timing (passes, work_dir, completion and idleness on disk, the engine's
 * groups, metrics); which sandboxes are tailed and with which groups is decided in sandbox-classifier.ts.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Batch, Source } from '../../pipeline/contracts';
import type { ComponentContext } from '../../pipeline/context';
import type { LogRecord } from '../../pipeline/records';
import type { ExecutorRun, MesosMetadata } from '../../mesos/model';
import { counter, gauge } from '../../observability/metrics';
import { errorMessage } from '../../errors';
import type { TailSource } from '../tail/tail-source';
import type { SandboxesConfig } from './config';
import { SandboxScanner, sentinelPath, type SandboxRef } from './discovery';
import { pathRun } from './identity';
import { SandboxClassifier, type TrackState, type Tracked } from './sandbox-classifier';
import { RateLimitedLog } from '../../observability/log-limiter';

/** Where the agent's work_dir usually is, tried in order while neither the config nor the agent says. */
export const DEFAULT_WORK_DIR_CANDIDATES = ['/var/lib/mesos/agent', '/var/lib/mesos/slave', '/var/lib/mesos'];

export interface SandboxSourceOptions {
  name: string;
  config: SandboxesConfig;
  metadata: MesosMetadata;
  context: ComponentContext;
  /** The engine, created with no groups; this source owns it. */
  tail: TailSource;
  /** Herald's own environment (MESOS_DIRECTORY, MESOS_SANDBOX, MARATHON_APP_ID); default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  workDirCandidates?: readonly string[];
}

function sandboxMetrics(metrics: ComponentContext['metrics']) {
  return {
    sandboxes: gauge(metrics, 'herald_sandboxes', 'Sandboxes found on disk, by state (tailed, released, excluded)', ['state']),
    pathOnly: gauge(metrics, 'herald_sandbox_path_identity', 'Tailed sandboxes whose identity comes from the path alone (unknown to the agent)'),
    releases: counter(metrics, 'herald_sandbox_releases_total', 'Sandboxes no longer tailed, by reason (gone, completed)', ['reason']),
    errors: counter(metrics, 'herald_sandbox_discovery_errors_total', 'Sandbox directories that could not be read, and failed discovery passes'),
  };
}

export class SandboxSource implements Source<LogRecord> {
  readonly name: string;
  private readonly cfg: SandboxesConfig;
  private readonly scanner: SandboxScanner;
  private readonly classifier: SandboxClassifier;
  private readonly sandboxes = new Map<string, Tracked>();
  private readonly m: ReturnType<typeof sandboxMetrics>;
  private workDir: string | undefined;
  private storedPaths = new Set<string>();
  private started: Promise<void> | undefined;
  private passing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private metadataChanged = true;
  private firstPassDone = false;
  private closed = false;
  /** Repeated problems (an unreadable directory, no work_dir yet) are logged once an hour; metrics count each. */
  private readonly warnings: RateLimitedLog;

  constructor(private readonly opts: SandboxSourceOptions) {
    this.name = opts.name;
    this.warnings = new RateLimitedLog(opts.context.logger.child({ source: opts.name }), 3_600_000, () => opts.context.clock.monotonic());
    this.cfg = opts.config;
    const { logger, metrics } = opts.context;
    this.m = sandboxMetrics(metrics);
    this.scanner = new SandboxScanner(() => Date.now(), (dir, err) => {
      this.m.errors.inc();
      this.warnOnce(`scan:${dir}:${err.code}`, { path: dir, err: errorMessage(err) }, 'cannot read a sandbox directory');
    });
    this.classifier = new SandboxClassifier(this.cfg, opts.env ?? process.env, (key, fields, msg) => this.warnOnce(key, fields, msg));
    logger.debug({ source: this.name, selfDirs: this.classifier.selfDirs.length }, 'sandbox source created');
  }

  async *batches(signal: AbortSignal): AsyncGenerator<Batch<LogRecord>> {
    await this.start();
    if (signal.aborted) return;
    yield* this.opts.tail.batches(signal);
  }

  commit(checkpoint: unknown): Promise<void> {
    return this.opts.tail.commit(checkpoint);
  }

  /** Stop discovery, then close the engine (its offsets are written). Safe to call twice or unstarted. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.started?.catch(() => undefined);
    await this.passing;
    await this.opts.tail.close();
  }

  /** Runs the first pass (once). Resolves when the groups of the sandboxes present at start are set. */
  start(): Promise<void> {
    this.started ??= (async () => {
      if (!this.cfg.enabled || this.closed) return;
      for (const id of await this.opts.tail.storedGroupIds()) {
        const colon = id.lastIndexOf(':');
        if (id.startsWith('sandbox:') && colon > 8) this.storedPaths.add(id.slice(8, colon));
      }
      this.unsubscribe = this.opts.metadata.onChange(() => {
        this.metadataChanged = true;
        this.kick();
      });
      await this.runPass();
      this.schedule(this.cfg.discovery_interval_ms);
    })();
    return this.started;
  }

  /** One discovery pass now (tests; also what the timer does). Never rejects. */
  runPass(): Promise<void> {
    this.passing ??= this.pass()
      .catch((err: unknown) => {
        this.m.errors.inc();
        this.opts.context.logger.error({ source: this.name, err: errorMessage(err) }, 'sandbox discovery pass failed');
      })
      .finally(() => { this.passing = undefined; });
    return this.passing;
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.runPass().then(() => this.schedule(this.cfg.discovery_interval_ms));
    }, ms);
    this.timer.unref();
  }

  /** A metadata change: rebuild identities soon (a pass in progress picks the flag up at its next run). */
  private kick(): void {
    if (this.closed || !this.firstPassDone) return;
    if (this.passing) void this.passing.then(() => this.schedule(10));
    else this.schedule(10);
  }

  private async resolveWorkDir(): Promise<string | undefined> {
    const known = this.cfg.work_dir ?? this.opts.metadata.agent().workDir;
    if (known !== undefined) return known;
    for (const dir of this.opts.workDirCandidates ?? DEFAULT_WORK_DIR_CANDIDATES) {
      const st = await fsp.stat(path.join(dir, 'slaves')).catch(() => undefined);
      if (st?.isDirectory()) return dir;
    }
    return undefined;
  }

  private async pass(): Promise<void> {
    if (this.closed) return;
    const workDir = await this.resolveWorkDir();
    if (workDir === undefined) {
      this.warnOnce('workdir', {}, 'the Mesos work_dir is not known yet (no logs.sandboxes.work_dir, agent not reached): sandboxes are not tailed');
      return;
    }
    let changed = false;
    if (workDir !== this.workDir) {
      if (this.workDir !== undefined) this.opts.context.logger.info({ source: this.name, workDir }, 'Mesos work_dir changed');
      changed = this.sandboxes.size > 0;
      this.sandboxes.clear(); // the engine drains what the old groups had open
      this.workDir = workDir;
    }
    const scan = await this.scanner.scan(workDir);
    const nowMs = Date.now(); // compared with file mtimes: the filesystem's clock, not the injected one
    const first = !this.firstPassDone;
    const seen = new Set<string>();
    let unknown = false;
    for (const ref of scan.sandboxes) {
      seen.add(ref.path);
      if (this.sandboxes.has(ref.path)) continue;
      const t = await this.track(ref, first, nowMs);
      this.sandboxes.set(ref.path, t);
      if (t.run.appSource === 'sandbox_path' && t.state !== 'excluded') unknown = true;
      if (t.state === 'tailed') changed = true;
    }
    if (scan.complete) {
      for (const [p, t] of this.sandboxes) {
        if (seen.has(p)) continue;
        this.sandboxes.delete(p);
        if (t.state === 'tailed') {
          changed = true;
          this.m.releases.inc({ reason: 'gone' });
        }
      }
    }
    if (this.metadataChanged) {
      this.metadataChanged = false;
      for (const t of this.sandboxes.values()) if (this.classifier.refresh(t, this.runOf(t.ref))) changed = true;
    }
    for (const t of this.sandboxes.values()) {
      if (t.state === 'tailed' && (await this.idleCompleted(t, nowMs))) {
        t.state = 'released';
        changed = true;
        this.m.releases.inc({ reason: 'completed' });
      }
    }
    if (unknown) this.opts.metadata.refreshSoon();
    if (changed || first) this.applyGroups();
    this.firstPassDone = true;
    this.publish();
  }

  private async track(ref: SandboxRef, first: boolean, nowMs: number): Promise<Tracked> {
    const startAt = first ? this.cfg.start_at : 'beginning';
    const t = this.classifier.track(ref, this.runOf(ref), startAt, nowMs);
    if (t.state === 'tailed' && first && !this.storedPaths.has(ref.path)) {
      // Present at start, never tailed by a previous run (no stored offsets), completed and idle: it was
      // released before a restart, or finished long before Herald came: nothing of it is new.
      const mtime = await this.streamsMtimeMs(ref);
      if ((await this.isCompleted(t)) && nowMs - mtime > this.cfg.release_after_ms) t.state = 'released';
    }
    return t;
  }

  /** The sandbox's run as the agent reports it, else its path identity. */
  private runOf(ref: SandboxRef): ExecutorRun {
    return this.opts.metadata.bySandbox(ref.runPath) ?? pathRun(ref);
  }

  private async isCompleted(t: Tracked): Promise<boolean> {
    if (t.completed || t.run.completed) return (t.completed = true);
    if (t.run.appSource !== 'sandbox_path' && this.opts.metadata.reachable) return false;
    // The agent cannot tell: its executor.sentinel says so (written when the run completed).
    const st = await fsp.stat(sentinelPath(this.workDir as string, t.ref)).catch(() => undefined);
    return (t.completed = st !== undefined);
  }

  private async idleCompleted(t: Tracked, nowMs: number): Promise<boolean> {
    if (!(await this.isCompleted(t))) return false;
    const last = Math.max(t.sinceMs, await this.streamsMtimeMs(t.ref));
    return nowMs - last > this.cfg.release_after_ms;
  }

  /** Latest mtime of the sandbox's stdout/stderr (0 when neither exists). */
  private async streamsMtimeMs(ref: SandboxRef): Promise<number> {
    const stats = await Promise.all(['stdout', 'stderr'].map((f) => fsp.stat(path.join(ref.path, f)).catch(() => undefined)));
    return Math.max(0, ...stats.map((s) => s?.mtimeMs ?? 0));
  }

  private applyGroups(): void {
    const groups = this.classifier.groupsOf(this.sandboxes.values());
    try {
      this.opts.tail.setGroups(groups);
    } catch (err) {
      this.m.errors.inc();
      this.opts.context.logger.error({ source: this.name, err: errorMessage(err) }, 'cannot apply sandbox groups');
    }
  }

  private publish(): void {
    const counts = { tailed: 0, released: 0, excluded: 0 };
    let pathOnly = 0;
    for (const t of this.sandboxes.values()) {
      counts[t.state]++;
      if (t.state === 'tailed' && t.run.appSource === 'sandbox_path') pathOnly++;
    }
    for (const [state, n] of Object.entries(counts)) this.m.sandboxes.set({ state }, n);
    this.m.pathOnly.set(pathOnly);
  }

  private warnOnce(key: string, fields: object, msg: string): void {
    this.warnings.log('warn', key, fields as Record<string, unknown>, msg);
  }

  /** Tracked sandboxes by path and state (introspection for tests and the status endpoint). */
  snapshot(): { path: string; state: TrackState; app: string; identitySource: string }[] {
    return [...this.sandboxes.values()].map((t) => ({ path: t.ref.path, state: t.state, app: t.run.app, identitySource: t.run.appSource }));
  }
}
