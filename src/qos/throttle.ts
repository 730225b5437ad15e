/**
 * The `throttle` transform: per-app token buckets (lines AND bytes) for log events, an optional node-wide
 * ceiling shared by priority classes, and a series budget per app for metric points.
 *
 * Per batch: the monotonic clock is read once; records are walked in order, and the app state is looked up
 * only when the origin (log) or app (metric) changes from the previous record, so the usual batch of one
 * file costs one Map lookup. Nothing is dropped silently: drops are counted per app, published to Herald's
 * metrics once per batch, and summarised in one `herald.qos` event per app and interval, appended to the
 * first batch that flows after the interval ends, or yielded by the `QosSummarySource` when no batch flows.
 * Records removed here are settled (the batch's checkpoint still commits): dropping is the outcome.
 */
import type { Logger } from 'pino';
import type { Batch, Transform } from '../pipeline/contracts';
import type { Clock, ComponentContext } from '../pipeline/context';
import { DOC_SIZE, DOC_STRIDE, LogFlag, type HeraldRecord, type Identity, type LogBlock, type LogEvent, type LogOrigin } from '../pipeline/records';
import { LimitResolver, type AppLimits, type LabelSetting } from './app-limits';
import { AppState, NODE_APP, QOS_DATASET } from './app-state';
import type { QosConfig } from './config';
import { NodeCeiling } from './node-ceiling';
import { OTHER, QosMetrics } from './qos-metrics';
import { SeriesBudget, seriesKey } from './series-budget';
import { sameLimits, toMicros } from './token-bucket';

// Outcome of one line.
const PASSED = 0;
const SAMPLED = 1;
const DROPPED_APP = 2;
const DROPPED_NODE = 3;

const sameAppLimits = (a: AppLimits, b: AppLimits) => sameLimits(a, b) && a.priority === b.priority && a.seriesPerWindow === b.seriesPerWindow;

export class Throttle implements Transform<HeraldRecord> {
  readonly name: string;
  readonly #cfg: QosConfig;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #metrics: QosMetrics;
  readonly #resolver: LimitResolver;
  readonly #node: NodeCeiling | undefined;
  readonly #apps = new Map<string, AppState>();
  #other: AppState | undefined;
  /** Origins of our own summary events: they pass unchecked when they come back through the pipeline. */
  readonly #own = new WeakSet<LogOrigin>();
  readonly #touched: AppState[] = [];
  readonly #sampleRate: number;
  readonly #intervalUs: number;
  readonly #windowUs: number;
  readonly #evictUs: number;
  #intervalStartUs: number;
  readonly #labelWarned = new Set<string>();
  /** This batch's outcomes, published once at its end. */
  readonly #counts = { passedLogs: 0, passedPoints: 0, sampled: 0, droppedApp: 0, droppedNode: 0, droppedSeries: 0, folded: 0 };

  constructor(config: QosConfig, context: ComponentContext, name = 'throttle') {
    this.name = name;
    this.#cfg = config;
    this.#clock = context.clock;
    this.#logger = context.logger.child({ component: name, type: 'transform' });
    this.#metrics = new QosMetrics(context.metrics, config.max_app_labels);
    const nowUs = toMicros(this.#clock.monotonic());
    const node = config.node;
    const ceiling = new NodeCeiling({ linesPerSec: node.lines_per_sec, bytesPerSec: node.bytes_per_sec }, config.priorities, nowUs);
    this.#node = node.lines_per_sec === 0 && node.bytes_per_sec === 0 ? undefined : ceiling;
    this.#resolver = new LimitResolver(config, ceiling.classes, (setting, app) => this.#labelError(setting, app));
    this.#sampleRate = config.on_excess === 'sample' ? config.sample_rate : 0;
    this.#intervalUs = config.summary_interval_ms * 1000;
    this.#windowUs = config.metrics.window_ms * 1000;
    this.#evictUs = config.idle_evict_ms * 1000;
    this.#intervalStartUs = nowUs;
  }

  apply(batch: Batch<HeraldRecord>): Batch<HeraldRecord> {
    if (!this.#cfg.enabled) return batch;
    const nowUs = toMicros(this.#clock.monotonic());
    const summaries = this.#drain(nowUs, false);
    this.#node?.refill(nowUs);
    const records = batch.records;
    const c = this.#counts;
    c.passedLogs = c.passedPoints = c.sampled = c.droppedApp = c.droppedNode = c.droppedSeries = c.folded = 0;
    let out: HeraldRecord[] | undefined; // allocated at the first drop only
    let origin: LogOrigin | undefined;
    let metricApp: string | undefined;
    let state: AppState | undefined;
    let exempt = false;
    for (let i = 0; i < records.length; i++) {
      const r = records[i] as HeraldRecord;
      let pass: boolean;
      if (r.kind !== 'metric') {
        if (r.origin !== origin) {
          origin = r.origin;
          metricApp = undefined;
          // Our summary origins all have path '': the WeakSet is consulted only for those.
          exempt = (origin.path === '' && this.#own.has(origin)) || (origin.identity.app === '' && !this.#cfg.throttle_node);
          if (!exempt) state = this.#forLog(origin.identity, nowUs);
        }
        if (exempt) pass = true;
        else if (r.kind === 'log') {
          // A truncated line costs what is shipped, not the megabytes skipped on disk (they never leave the node).
          pass = this.#logLine(state as AppState, r.flags & LogFlag.truncated ? Math.min(r.sizeBytes, r.message.length) : r.sizeBytes);
        } else pass = this.#block(state as AppState, r);
      } else {
        if (origin !== undefined || r.app !== metricApp || state === undefined) {
          origin = undefined;
          metricApp = r.app;
          state = this.#forMetric(r.app, nowUs);
        }
        const s = state;
        if (s === this.#other) c.folded++;
        pass = (r.app === '' && !this.#cfg.throttle_node) || (s.series as SeriesBudget).admit(seriesKey(r), s.limits.seriesPerWindow);
        if (pass) c.passedPoints++;
        else {
          c.droppedSeries++;
          s.droppedPoints++;
          s.batchDroppedPoints++;
        }
      }
      if (pass) out?.push(r);
      else if (out === undefined) out = records.slice(0, i);
    }
    for (const s of this.#touched) s.publishBatch();
    this.#touched.length = 0;
    this.#metrics.publishBatch(c.passedLogs, c.passedPoints, c.sampled, c.droppedApp, c.droppedNode, c.droppedSeries, c.folded);
    if (summaries.length > 0) {
      out ??= records.slice();
      for (const e of summaries) out.push(e);
    }
    if (out === undefined) return batch;
    return batch.checkpoint === undefined ? { records: out } : { records: out, checkpoint: batch.checkpoint };
  }

  /** One log line of `size` bytes of app `s`, counted; true when it passes (sampled lines pass). */
  #logLine(s: AppState, size: number): boolean {
    const c = this.#counts;
    if (s === this.#other) c.folded++;
    const outcome = this.#line(s, size, this.#node);
    if (outcome === PASSED) {
      c.passedLogs++;
      return true;
    }
    if (outcome === SAMPLED) {
      c.sampled++;
      s.sampledLines++;
      s.sampledBytes += size;
      s.batchSampledLines++;
      return true;
    }
    if (outcome === DROPPED_APP) c.droppedApp++;
    else {
      c.droppedNode++;
      s.nodeDroppedLines++;
    }
    s.droppedLines++;
    s.droppedBytes += size;
    s.batchDroppedLines++;
    s.batchDroppedBytes += size;
    return false;
  }

  /**
   * The documents of a native block, one line each, in order (as if they were log events); the dropped ones
   * are marked in the block. True while any document is kept. (The native engine hands truncated lines to
   * JavaScript, so a document's size is what is shipped.)
   */
  #block(s: AppState, b: LogBlock): boolean {
    const docs = b.docs;
    for (let k = 0; k < b.count; k++) {
      if (b.dropped !== undefined && b.dropped[k] === 1) continue;
      if (this.#logLine(s, docs[k * DOC_STRIDE + DOC_SIZE] as number)) continue;
      b.dropped ??= new Uint8Array(b.count);
      b.dropped[k] = 1;
      b.kept--;
    }
    return b.kept > 0;
  }

  /** One line of `size` bytes of app `s`: passes if its bucket and (if any) the node ceiling afford it. */
  #line(s: AppState, size: number, node: NodeCeiling | undefined): number {
    const b = s.bucket;
    if (b.affords(size)) {
      if (node !== undefined) {
        if (!node.affords(s.limits.priority, size)) return DROPPED_NODE;
        node.consume(size);
      }
      b.consume(size);
      return PASSED;
    }
    // Over the app's own limit. Sampling keeps the 1st, (N+1)th, ... excess line, still under the ceiling.
    const n = this.#sampleRate;
    if (n > 0 && s.excess++ % n === 0) {
      if (node === undefined) return SAMPLED;
      if (!node.affords(s.limits.priority, size)) return DROPPED_NODE;
      node.consume(size);
      return SAMPLED;
    }
    return DROPPED_APP;
  }

  #forLog(identity: Identity, nowUs: number): AppState {
    const key = identity.app;
    let s = this.#apps.get(key);
    if (s === undefined) {
      s = this.#open(key, nowUs, identity);
    } else if (s.identity !== identity) {
      s.identity = identity;
      // Labels live on the identity: a new one (another file, a redeploy) may carry other limits.
      if (this.#resolver.labelsEnabled) this.#setLimits(s, this.#resolver.forIdentity(key, identity), nowUs);
    }
    return this.#touch(s, nowUs);
  }

  #forMetric(key: string, nowUs: number): AppState {
    const s = this.#touch(this.#apps.get(key) ?? this.#open(key, nowUs, undefined), nowUs);
    if (s.series === undefined) s.series = new SeriesBudget(nowUs);
    else s.series.roll(nowUs, this.#windowUs);
    return s;
  }

  /** A new app's state, or the shared "__other__" state once max_apps apps are tracked. */
  #open(key: string, nowUs: number, identity: Identity | undefined): AppState {
    if (this.#apps.size >= this.#cfg.max_apps) {
      this.#other ??= new AppState(OTHER, this.#resolver.forKey(OTHER), nowUs, this.#metrics.forApp(OTHER));
      return this.#other;
    }
    const limits = identity === undefined ? this.#resolver.forKey(key) : this.#resolver.forIdentity(key, identity);
    const s = new AppState(key, limits, nowUs, this.#metrics.forApp(key === '' ? NODE_APP : key));
    s.identity = identity;
    this.#apps.set(key, s);
    this.#metrics.apps.set(this.#apps.size);
    return s;
  }

  #setLimits(s: AppState, limits: AppLimits, nowUs: number): void {
    if (sameAppLimits(s.limits, limits)) return;
    s.limits = limits;
    s.bucket.setLimits(limits, nowUs);
  }

  /** First record of `s` in this batch: lazy refill, and remember it to publish its counters. */
  #touch(s: AppState, nowUs: number): AppState {
    if (!s.inBatch) {
      s.inBatch = true;
      s.bucket.refill(nowUs);
      s.lastSeenUs = nowUs;
      this.#touched.push(s);
    }
    return s;
  }

  /**
   * The summary events due: once `summary_interval_ms` has passed since the interval began (or always,
   * with `force`), one event per app that lost records in it; then idle apps are forgotten.
   */
  #drain(nowUs: number, force: boolean): LogEvent[] {
    const elapsedUs = nowUs - this.#intervalStartUs;
    if (!force && elapsedUs < this.#intervalUs) return [];
    this.#intervalStartUs = nowUs;
    const events: LogEvent[] = [];
    const wallMs = this.#clock.now();
    const emit = (s: AppState) => {
      if (s.pending) events.push(s.takeSummary(this.#summaryOrigin(s), elapsedUs / 1000, wallMs, this.#cfg.sample_rate));
    };
    for (const s of this.#apps.values()) emit(s);
    if (this.#other !== undefined) emit(this.#other);
    if (events.length > 0) this.#metrics.summaries.inc(events.length);
    this.#evict(nowUs);
    return events;
  }

  /** Forgets apps idle for idle_evict_ms whose bucket is full again and series window over: nothing changes. */
  #evict(nowUs: number): void {
    let evicted = 0;
    for (const [key, s] of this.#apps) {
      if (nowUs - s.lastSeenUs < this.#evictUs || s.pending) continue;
      s.bucket.refill(nowUs);
      if (!s.bucket.isFull() || (s.series !== undefined && !s.series.idle(nowUs, this.#windowUs))) continue;
      this.#apps.delete(key);
      evicted++;
    }
    if (evicted > 0) {
      this.#metrics.evictions.inc(evicted);
      this.#metrics.apps.set(this.#apps.size);
    }
  }

  #summaryOrigin(s: AppState): LogOrigin {
    const identity = s.identity ?? s.summaryOrigin?.identity ?? syntheticIdentity(s.key, s.name);
    if (s.summaryOrigin === undefined || s.summaryOrigin.identity !== identity) {
      s.summaryOrigin = { path: '', dataset: QOS_DATASET, identity };
      this.#own.add(s.summaryOrigin);
    }
    return s.summaryOrigin;
  }

  #labelError(setting: LabelSetting, app: string): void {
    this.#metrics.labelError(setting);
    const k = `${app}\u0000${setting}`;
    if (this.#labelWarned.has(k) || this.#labelWarned.size >= 1000) return;
    this.#labelWarned.add(k);
    // The value itself is not logged: labels are app-owned and may hold anything.
    this.#logger.warn({ app, setting }, 'invalid QoS task label value ignored; the other limits of the app still apply');
  }

  /** Summary events due now, for the summary source (when no batch flows). */
  drainSummaries(): LogEvent[] {
    if (!this.#cfg.enabled) return [];
    return this.#drain(toMicros(this.#clock.monotonic()), false);
  }

  /** Every pending summary now, interval over or not (shutdown). */
  flushSummaries(): LogEvent[] {
    return this.#drain(toMicros(this.#clock.monotonic()), true);
  }

  /** Apps tracked now (tests, debugging). */
  get trackedApps(): number {
    return this.#apps.size;
  }
}

/** The identity of summary events of an app seen only through metric points, or of "__other__". */
function syntheticIdentity(key: string, name: string): Identity {
  if (key === '') return { app: '', docFragment: '', labels: {} };
  return { app: key, docFragment: `"service":{"name":${JSON.stringify(name)}}`, labels: {} };
}
