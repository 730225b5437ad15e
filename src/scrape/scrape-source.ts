/**
 * The scrape collector as a pull-driven source: the scheduler runs scrapes on their own cadence and each
 * completed scrape (or health check) becomes one batch in a bounded queue that `batches()` drains. When the
 * consumer falls behind and the queue is full, rounds are skipped and counted rather than buffered without
 * bound (metrics are drop_newest, DESIGN.md). Discovered targets follow the Mesos metadata's onChange.
 */
import type { Batch, Source } from '../pipeline/contracts';
import type { ComponentContext } from '../pipeline/context';
import type { HeraldRecord } from '../pipeline/records';
import type { MesosMetadata } from '../mesos/model';
import type { ScrapeConfig } from './config';
import { HealthStates } from './health/health-state';
import { HttpFetcher } from './http-fetch';
import { Scheduler, jitterFraction } from './scheduler';
import { ScrapeMetrics } from './scrape-metrics';
import { scrapeTarget, type ScrapeDeps } from './scrape-once';
import { discoverTargets } from './targets/discovered-targets';
import { staticTargets } from './targets/static-targets';
import { safeUrl, type Target, type TargetKind } from './targets/target';

export interface ScrapeSourceOptions {
  readonly name: string;
  readonly config: ScrapeConfig;
  readonly context: ComponentContext;
  readonly metadata?: MesosMetadata | undefined;
  /** Herald's own /metrics URL (from server.address/port); default http://127.0.0.1:9275/metrics. */
  readonly selfUrl?: string | undefined;
  /** Records queued for the consumer before rounds are skipped (default max(100000, 2 × max_series)). */
  readonly maxQueuedRecords?: number;
}

export class ScrapeSource implements Source<HeraldRecord> {
  readonly name: string;
  readonly #o: ScrapeSourceOptions;
  readonly #metrics: ScrapeMetrics;
  readonly #fetcher = new HttpFetcher();
  readonly #health = new HealthStates();
  readonly #scheduler: Scheduler;
  readonly #deps: ScrapeDeps;
  readonly #queue: Batch<HeraldRecord>[] = [];
  readonly #maxQueued: number;
  /** Last error message per target key, so a failing target is logged when it starts or stops failing. */
  readonly #failing = new Map<string, string>();
  #queued = 0;
  #wake: (() => void) | undefined;
  #started = false;
  #closed = false;
  #unsubscribe: (() => void) | undefined;
  #problems = '';

  constructor(o: ScrapeSourceOptions) {
    this.name = o.name;
    this.#o = o;
    this.#metrics = new ScrapeMetrics(o.context.metrics);
    this.#maxQueued = o.maxQueuedRecords ?? Math.max(100_000, 2 * o.config.max_series);
    this.#deps = { fetcher: this.#fetcher, health: this.#health, metrics: this.#metrics };
    this.#scheduler = new Scheduler({
      concurrency: o.config.concurrency,
      ratePerSec: o.config.rate_per_sec,
      seed: o.config.jitter_seed ?? Math.floor(jitterFraction(0, o.context.hostname) * 0x7fffffff),
      clock: o.context.clock,
      metrics: this.#metrics,
      run: (t) => this.#run(t),
      canStart: () => this.#queued < this.#maxQueued,
    });
  }

  /** The targets scheduled now (static, self and discovered). */
  targets(): Target[] {
    return this.#scheduler.targets();
  }

  async *batches(signal: AbortSignal): AsyncIterable<Batch<HeraldRecord>> {
    this.#start();
    const onAbort = (): void => this.#wake?.();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      while (!signal.aborted && !this.#closed) {
        const batch = this.#queue.shift();
        if (batch !== undefined) {
          this.#queued -= batch.records.length;
          yield batch;
          continue;
        }
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#wake = undefined;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    await this.#scheduler.stop();
    this.#fetcher.close();
    this.#wake?.();
  }

  #start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    const md = this.#o.metadata;
    if (md !== undefined && this.#o.config.discovery.enabled) this.#unsubscribe = md.onChange(() => this.#refreshTargets());
    this.#refreshTargets();
    this.#scheduler.start();
  }

  #refreshTargets(): void {
    if (this.#closed) return;
    const { config, context } = this.#o;
    const targets = staticTargets(config, context.hostname, this.#o.selfUrl);
    const md = this.#o.metadata;
    if (md !== undefined && config.discovery.enabled) {
      const found = discoverTargets(md.runs(), { cfg: config, hostname: context.hostname, agentHostname: md.agent().hostname });
      targets.push(...found.targets);
      const problems = found.problems.join('\n');
      if (problems !== this.#problems && found.problems.length > 0) {
        context.logger.warn({ problems: found.problems }, 'tasks ask to be scraped but their labels cannot be used');
      }
      this.#problems = problems;
    }
    this.#scheduler.setTargets(targets);
    this.#fetcher.retain(targets.map((t) => t.url));
    this.#health.retain(new Set(targets.map((t) => t.key)));
    for (const key of this.#failing.keys()) if (!targets.some((t) => t.key === key)) this.#failing.delete(key);
    const counts: Record<TargetKind, number> = { static: 0, discovered: 0, self: 0 };
    for (const t of targets) counts[t.kind]++;
    for (const kind of Object.keys(counts) as TargetKind[]) this.#metrics.targets(kind, counts[kind]);
    context.logger.debug({ targets: targets.length, ...counts }, 'scrape targets updated');
  }

  async #run(t: Target): Promise<void> {
    if (this.#closed) return;
    const out = await scrapeTarget(t, this.#deps, this.#o.context.clock.now());
    if (this.#closed) return;
    this.#logTransition(t, out.error?.message);
    if (out.records.length === 0) return;
    this.#queue.push({ records: out.records });
    this.#queued += out.records.length;
    this.#wake?.();
  }

  /** One log line when a target starts failing (or fails differently) and one when it recovers. */
  #logTransition(t: Target, error: string | undefined): void {
    if (t.format === 'http_health' || t.format === 'tcp_health') return; // health events say it already
    const before = this.#failing.get(t.key);
    if (error === before) return;
    const log = this.#o.context.logger;
    const where = { target: t.name, kind: t.kind, url: safeUrl(t.url) };
    if (error === undefined) {
      this.#failing.delete(t.key);
      log.info(where, 'scrape target recovered');
    } else {
      this.#failing.set(t.key, error);
      log.warn({ ...where, error }, 'scrape failed');
    }
  }
}
