/**
 * MesosMetadata over the agent's `/state`: refreshed every `refresh_interval_ms` and on demand
 * (`refreshSoon`, coalesced, at most one read per `min_refresh_gap_ms`), indexed by sandbox directory and
 * container id.
 *
 * Lifecycle: `start()` reads once and schedules the periodic refresh; `close()` stops timers, aborts the
 * request in flight and drops listeners (safe twice). Invariants: lookups never do I/O and never throw; the
 * last successful `/state` stays in use while the agent is unreachable (a sandbox's identity does not
 * change); a sandbox unknown to it gets an identity from its path (`appSource: 'sandbox_path'`), counted in
 * `herald_mesos_identity_fallback_total{reason}`.
 */
import { posix } from 'node:path';
import type { Counter, Gauge } from 'prom-client';
import { errorMessage } from '../errors';
import { counter, gauge } from '../observability/metrics';
import type { ComponentContext } from '../pipeline/context';
import type { MesosConfig } from './config';
import type { AgentInfo, ExecutorRun, MesosAgentClient, MesosMetadata } from './model';
import { parseSandboxPath, runFromSandboxPath } from './sandbox-path';
import { normaliseState, type FrameworkInfo, type NormalisedState } from './state';

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Real timers, unref'd: the cache never keeps the process alive by itself. */
export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export type MetadataCacheConfig = Pick<MesosConfig, 'enabled' | 'refresh_interval_ms' | 'min_refresh_gap_ms' | 'work_dir' | 'marathon_framework_pattern'>;

export interface MetadataCacheOptions {
  readonly client: MesosAgentClient;
  readonly config: MetadataCacheConfig;
  readonly context: Pick<ComponentContext, 'logger' | 'metrics' | 'clock'>;
  readonly timers?: Timers;
}

type FallbackReason = 'unreachable' | 'unknown' | 'disabled';
/** Bound of the per-generation memo of path-derived identities. */
const MAX_FALLBACKS = 10_000;
const EMPTY_STATE: NormalisedState = normaliseState({}, { marathonFramework: /^$/ });

export class MetadataCache implements MesosMetadata {
  #state: NormalisedState = EMPTY_STATE;
  #reachable = false;
  /** 'never' until the first answer or failure: the first failure and each up→down transition are logged once. */
  #status: 'never' | 'up' | 'down' = 'never';
  #closed = false;
  #fingerprint = '[]';
  #bySandbox = new Map<string, ExecutorRun>();
  #byExecutor = new Map<string, ExecutorRun[]>();
  #byContainer = new Map<string, ExecutorRun>();
  /** Framework id → name, kept across refreshes (for path identities of frameworks gone from /state). */
  readonly #frameworks = new Map<string, FrameworkInfo>();
  #fallbacks = new Map<string, ExecutorRun>();
  #inFlight: Promise<boolean> | undefined;
  #abort = new AbortController();
  #lastStartMs = -Infinity;
  #periodicTimer: unknown;
  #soonTimer: unknown;
  #soonAfterFlight = false;
  #lastSkipped = 0;
  readonly #listeners = new Set<() => void>();
  readonly #opts: MetadataCacheOptions;
  readonly #timers: Timers;
  readonly #marathon: RegExp;
  readonly #fallbackTotal: Counter<'reason'>;
  readonly #refreshes: Counter<'outcome'>;
  readonly #skippedTotal: Counter<'kind'>;
  readonly #reachableGauge: Gauge;
  readonly #runsGauge: Gauge<'state'>;

  constructor(options: MetadataCacheOptions) {
    this.#opts = options;
    this.#timers = options.timers ?? realTimers;
    this.#marathon = new RegExp(options.config.marathon_framework_pattern);
    const reg = options.context.metrics;
    this.#fallbackTotal = counter(reg, 'herald_mesos_identity_fallback_total', 'Sandbox identities derived from the path alone (agent unreachable, sandbox unknown to it, or mesos disabled)', ['reason']);
    this.#refreshes = counter(reg, 'herald_mesos_state_refreshes_total', 'Reads of the agent /state, by outcome', ['outcome']);
    this.#skippedTotal = counter(reg, 'herald_mesos_state_skipped_total', 'Malformed objects skipped in the agent /state, by kind', ['kind']);
    this.#reachableGauge = gauge(reg, 'herald_mesos_agent_reachable', '1 when the last read of the agent /state succeeded');
    this.#runsGauge = gauge(reg, 'herald_mesos_executor_runs', 'Executor runs known from the agent /state', ['state']);
    this.#reachableGauge.set(0);
  }

  get reachable(): boolean {
    return this.#reachable;
  }

  /** Reads `/state` now and schedules the periodic refresh; resolves with the first read's outcome. */
  start(): Promise<boolean> {
    return this.refresh();
  }

  refresh(): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    this.#inFlight ??= this.#refreshOnce().finally(() => {
      this.#inFlight = undefined;
      this.#schedulePeriodic();
      if (this.#soonAfterFlight) {
        this.#soonAfterFlight = false;
        this.refreshSoon();
      }
    });
    return this.#inFlight;
  }

  refreshSoon(): void {
    if (this.#closed || !this.#opts.config.enabled || this.#soonTimer !== undefined) return;
    if (this.#inFlight) {
      // The answer in flight may predate what the caller just saw: read again after it, within the gap.
      this.#soonAfterFlight = true;
      return;
    }
    const delay = Math.max(0, this.#lastStartMs + this.#opts.config.min_refresh_gap_ms - this.#opts.context.clock.monotonic());
    this.#soonTimer = this.#timers.setTimeout(() => {
      this.#soonTimer = undefined;
      void this.refresh();
    }, delay);
  }

  agent(): AgentInfo {
    return this.#state.agent.workDir === undefined && this.#opts.config.work_dir !== undefined
      ? { ...this.#state.agent, workDir: this.#opts.config.work_dir }
      : this.#state.agent;
  }

  runs(): readonly ExecutorRun[] {
    return this.#state.runs;
  }

  bySandbox(path: string): ExecutorRun | undefined {
    const exact = this.#bySandbox.get(path);
    if (exact) return exact;
    const workDir = this.agent().workDir;
    const parsed = (workDir !== undefined ? parseSandboxPath(path, workDir) : undefined) ?? parseSandboxPath(path);
    if (parsed === undefined) return undefined;
    const known = parsed.containerId !== undefined ? this.#bySandbox.get(parsed.sandboxDir) : this.#newestRun(parsed.frameworkId, parsed.executorId);
    if (known) return known;
    const memo = this.#fallbacks.get(parsed.sandboxDir);
    if (memo) return memo;
    const reason: FallbackReason = !this.#opts.config.enabled ? 'disabled' : this.#reachable ? 'unknown' : 'unreachable';
    const run = runFromSandboxPath(parsed, this.#frameworks.get(parsed.frameworkId));
    if (this.#fallbacks.size >= MAX_FALLBACKS) this.#fallbacks.clear();
    this.#fallbacks.set(parsed.sandboxDir, run);
    this.#fallbackTotal.inc({ reason });
    return run;
  }

  byContainerId(containerId: string): ExecutorRun | undefined {
    const direct = this.#byContainer.get(containerId) ?? this.#state.containerAliases.get(containerId);
    if (direct || !containerId.includes('.')) return direct;
    // A nested ContainerID printed as "parent.child": the child may be known, else its top-level parent.
    const parts = containerId.split('.');
    const last = parts[parts.length - 1] as string;
    return this.#byContainer.get(last) ?? this.#state.containerAliases.get(last) ?? this.#byContainer.get(parts[0] as string);
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort();
    if (this.#periodicTimer !== undefined) this.#timers.clearTimeout(this.#periodicTimer);
    if (this.#soonTimer !== undefined) this.#timers.clearTimeout(this.#soonTimer);
    this.#periodicTimer = this.#soonTimer = undefined;
    this.#listeners.clear();
  }

  async #refreshOnce(): Promise<boolean> {
    if (!this.#opts.config.enabled) return false;
    this.#lastStartMs = this.#opts.context.clock.monotonic();
    let json: unknown;
    try {
      json = await this.#opts.client.getJson('/state', this.#abort.signal);
    } catch (err) {
      if (this.#closed) return false;
      this.#refreshes.inc({ outcome: 'error' });
      if (this.#status !== 'down') {
        this.#opts.context.logger.warn({ err: errorMessage(err) }, 'mesos agent unreachable: identities of new sandboxes come from their paths until it answers');
      }
      this.#setReachable(false);
      return false;
    }
    if (this.#closed) return false;
    const state = normaliseState(json, { marathonFramework: this.#marathon, workDirOverride: this.#opts.config.work_dir });
    this.#refreshes.inc({ outcome: 'ok' });
    if (this.#status === 'down') this.#opts.context.logger.info('mesos agent reachable again');
    this.#setReachable(true);
    this.#install(state);
    return true;
  }

  #setReachable(value: boolean): void {
    this.#status = value ? 'up' : 'down';
    this.#reachable = value;
    this.#reachableGauge.set(value ? 1 : 0);
  }

  #install(state: NormalisedState): void {
    state.runs.sort((a, b) => cmp(a.frameworkId, b.frameworkId) || cmp(a.executorId, b.executorId) || cmp(a.containerId, b.containerId));
    const skipped = state.skipped.framework + state.skipped.executor + state.skipped.task;
    for (const kind of ['framework', 'executor', 'task'] as const) if (state.skipped[kind] > 0) this.#skippedTotal.inc({ kind }, state.skipped[kind]);
    if (skipped > 0 && skipped !== this.#lastSkipped) this.#opts.context.logger.warn({ skipped: state.skipped }, 'mesos /state: malformed objects skipped');
    this.#lastSkipped = skipped;
    for (const [id, fw] of state.frameworks) this.#frameworks.set(id, fw);
    const bySandbox = new Map<string, ExecutorRun>();
    const byExecutor = new Map<string, ExecutorRun[]>();
    const byContainer = new Map<string, ExecutorRun>();
    let completed = 0;
    for (const run of state.runs) {
      if (run.completed) completed++;
      // Keyed as parseSandboxPath normalises paths, so "dir/" and "a//b" forms find it too.
      if (run.directory !== '') bySandbox.set(posix.normalize(run.directory).replace(/(.)\/+$/, '$1'), run);
      if (run.containerId !== '' && (!byContainer.has(run.containerId) || !run.completed)) byContainer.set(run.containerId, run);
      const key = `${run.frameworkId}\0${run.executorId}`;
      const list = byExecutor.get(key);
      if (list) list.push(run);
      else byExecutor.set(key, [run]);
    }
    this.#state = state;
    this.#bySandbox = bySandbox;
    this.#byExecutor = byExecutor;
    this.#byContainer = byContainer;
    this.#fallbacks = new Map();
    this.#runsGauge.set({ state: 'running' }, state.runs.length - completed);
    this.#runsGauge.set({ state: 'completed' }, completed);
    const fingerprint = JSON.stringify(state.runs);
    if (fingerprint === this.#fingerprint) return;
    this.#fingerprint = fingerprint;
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch (err) {
        this.#opts.context.logger.error({ err: errorMessage(err) }, 'mesos metadata change listener failed');
      }
    }
  }

  /** `runs/latest`: the running run of that executor, else its last listed one. */
  #newestRun(frameworkId: string, executorId: string): ExecutorRun | undefined {
    const list = this.#byExecutor.get(`${frameworkId}\0${executorId}`);
    return list?.find((r) => !r.completed) ?? list?.[list.length - 1];
  }

  #schedulePeriodic(): void {
    if (this.#closed || !this.#opts.config.enabled) return;
    if (this.#periodicTimer !== undefined) this.#timers.clearTimeout(this.#periodicTimer);
    this.#periodicTimer = this.#timers.setTimeout(() => {
      this.#periodicTimer = undefined;
      void this.refresh();
    }, this.#opts.config.refresh_interval_ms);
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
