/**
 * The running agent: Herald's own HTTP endpoint, and one pipeline built from the current configuration.
 * A reload validates first (the caller loads the new config), then drains the running pipeline and starts
 * a new one; offsets are persisted in between, so nothing is lost or read twice beyond unacknowledged batches.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { HeraldConfig } from '../config/schema';
import { systemClock, type Clock, type ComponentContext } from '../pipeline/context';
import type { Pipeline } from '../pipeline/runner';
import { HttpServer } from '../server/http-server';
import { gauge, counter } from '../observability/metrics';
import { errorMessage } from '../errors';
import { assemble } from './assemble';
import { applyHeapGrowth, disablePretenuring } from './heap-growth';
import { mkdirSync } from 'node:fs';

export class Agent {
  #config: HeraldConfig;
  readonly #logger: Logger;
  readonly #metrics: Registry;
  readonly #clock: Clock;
  #pipeline: Pipeline | undefined;
  #server: HttpServer | undefined;
  #serverKey = '';
  #reloading: Promise<void> = Promise.resolve();

  constructor(config: HeraldConfig, logger: Logger, metrics: Registry, clock: Clock = systemClock) {
    this.#config = config;
    this.#logger = logger;
    this.#metrics = metrics;
    this.#clock = clock;
    gauge(metrics, 'herald_info', 'Herald build and node', ['version', 'node']).set({ version: VERSION, node: config.node_name }, 1);
  }

  get config(): HeraldConfig {
    return this.#config;
  }

  get ready(): boolean {
    return this.#pipeline?.ready ?? false;
  }

  /** The address of Herald's own endpoint, once started. */
  address: { address: string; port: number } | undefined;

  async start(): Promise<void> {
    mkdirSync(this.#config.state_dir, { recursive: true });
    disablePretenuring();
    applyHeapGrowth(this.#config.heap_growth_percent);
    await this.#startServer();
    await this.#startPipeline();
    this.#logger.info({ state_dir: this.#config.state_dir, server: this.address }, 'herald started');
  }

  /** Replace the configuration without restarting the process. */
  reload(next: HeraldConfig): Promise<void> {
    this.#reloading = this.#reloading.then(async () => {
      const reloads = counter(this.#metrics, 'herald_config_reloads_total', 'Configuration reloads, by result', ['result']);
      try {
        await this.#pipeline?.stop(this.#config.pipeline.shutdown_timeout_ms);
        this.#config = next;
        mkdirSync(next.state_dir, { recursive: true });
        applyHeapGrowth(next.heap_growth_percent);
        await this.#startServer();
        await this.#startPipeline();
        reloads.inc({ result: 'applied' });
        this.#logger.info('configuration reloaded');
      } catch (err) {
        reloads.inc({ result: 'failed' });
        this.#logger.error({ err: errorMessage(err) }, 'reload failed');
        throw err;
      }
    });
    return this.#reloading;
  }

  async stop(): Promise<void> {
    await this.#reloading.catch(() => undefined);
    await this.#pipeline?.stop(this.#config.pipeline.shutdown_timeout_ms);
    this.#pipeline = undefined;
    await this.#server?.close();
    this.#server = undefined;
    this.#logger.info('herald stopped');
  }

  #context(): ComponentContext {
    return {
      logger: this.#logger,
      metrics: this.#metrics,
      clock: this.#clock,
      stateDir: this.#config.state_dir,
      hostname: this.#config.node_name,
    };
  }

  async #startPipeline(): Promise<void> {
    const a = this.address;
    const selfMetricsUrl = a === undefined ? undefined : `http://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}/metrics`;
    this.#pipeline = assemble(this.#config, this.#context(), selfMetricsUrl === undefined ? {} : { selfMetricsUrl });
    await this.#pipeline.start();
  }

  async #startServer(): Promise<void> {
    const cfg = this.#config.server;
    const key = JSON.stringify(cfg);
    if (key === this.#serverKey && this.#server) return;
    await this.#server?.close();
    this.#server = undefined;
    this.address = undefined;
    this.#serverKey = key;
    if (!cfg.enabled) return;
    const server = new HttpServer({ config: cfg, metrics: this.#metrics, isReady: () => this.ready });
    this.address = await server.start();
    this.#server = server;
  }
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const VERSION: string = (require('../../package.json') as { version: string }).version;
