/**
 * Getting the index templates in place before the sink sends anything: `deploy/elasticsearch/*.json` is the
 * source of truth (shipped for operators too); the sink loads them, substitutes the configured name,
 * patterns and priority, and a TemplateInstaller keeps installing them until it succeeds or is stopped.
 *
 * Install rule (several hundred Heralds start at once, and an operator may pin their own version): a
 * template of the same name whose `_meta.version` is newer or equal is left alone; an older or missing
 * version is overwritten. Every Herald of one version writes identical bodies, so concurrent installs
 * converge.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import type { Gauge } from 'prom-client';
import { ErrorCode, HeraldError } from '../../errors';
import { backoffMs, type Backoff } from '../../net/retry';
import type { RateLimitedLog } from '../../observability/log-limiter';
import { sleep } from '../../pipeline/timing';
import { templatePattern, type ElasticsearchOutputConfig } from './config';
import { describeError } from './es-client';

export const TEMPLATE_DIR = join(__dirname, '..', '..', '..', 'deploy', 'elasticsearch');

export interface TemplateSpec {
  name: string;
  version: number;
  body: Record<string, unknown>;
}

interface TemplateFile {
  index_patterns: string[];
  priority: number;
  composed_of?: string[];
  ignore_missing_component_templates?: string[];
  _meta: { version: number } & Record<string, unknown>;
  data_stream?: Record<string, unknown>;
  template: Record<string, unknown>;
}

function readTemplate(file: string): TemplateFile {
  const path = join(TEMPLATE_DIR, file);
  let parsed: TemplateFile;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as TemplateFile;
  } catch (err) {
    throw new HeraldError(ErrorCode.config, `cannot read the index template ${path} (it ships with Herald)`, { cause: err });
  }
  if (typeof parsed._meta?.version !== 'number') throw new HeraldError(ErrorCode.config, `${path}: _meta.version must be a number`);
  return parsed;
}

function spec(file: TemplateFile, name: string, pattern: string, priority: number, dataStream: boolean): TemplateSpec {
  const custom = `${name}@custom`;
  const body: TemplateFile = {
    ...file,
    index_patterns: [pattern],
    priority,
    // The operator's own settings (replicas, an ILM policy where available) live in <name>@custom,
    // which survives template upgrades; a missing one is fine.
    composed_of: [custom],
    ignore_missing_component_templates: [custom],
  };
  if (dataStream) body.data_stream = {};
  else delete body.data_stream;
  return { name, version: file._meta.version, body: body as unknown as Record<string, unknown> };
}

/** The dead-letter template first (its index must be mapped before anything is refused), then the logs one. */
export function loadTemplates(cfg: ElasticsearchOutputConfig): TemplateSpec[] {
  const t = cfg.template;
  return [
    spec(readTemplate('dead-letter-index-template.json'), `${t.name}-dead-letter`, templatePattern(cfg.dead_letter_index), t.priority + 1, false),
    spec(readTemplate('index-template.json'), t.name, templatePattern(cfg.index), t.priority, cfg.mode === 'data_stream'),
  ];
}

export type InstallResult = 'installed' | 'kept';

interface GetTemplateResponse {
  index_templates?: { name: string; index_template?: { _meta?: { version?: unknown } } }[];
}

/** Installs one template unless a same-or-newer version is there. Throws the client's error on failure. */
export async function installTemplate(client: Client, t: TemplateSpec, timeoutMs: number, signal: AbortSignal): Promise<{ result: InstallResult; existing: number | undefined }> {
  const path = `/_index_template/${encodeURIComponent(t.name)}`;
  const opts = { requestTimeout: timeoutMs, maxRetries: 0, signal };
  const got = await client.transport.request<GetTemplateResponse>({ method: 'GET', path }, { ...opts, ignore: [404] });
  const found = got.index_templates?.find((x) => x.name === t.name);
  const v = found?.index_template?._meta?.version;
  const existing = typeof v === 'number' ? v : undefined;
  if (existing !== undefined && existing >= t.version) return { result: 'kept', existing };
  await client.transport.request({ method: 'PUT', path, body: t.body }, opts);
  return { result: 'installed', existing };
}

export interface TemplateInstallerOptions {
  client: Client;
  /** In install order; ignored when `install` is false. */
  templates: TemplateSpec[];
  /** False when the operator manages the templates: ready at once, nothing is sent to the cluster. */
  install: boolean;
  requestTimeoutMs: number;
  backoff: Backoff;
  random: () => number;
  /** The sink's abort: cancels a request in flight and the wait between attempts. */
  signal: AbortSignal;
  logger: Logger;
  log: RateLimitedLog;
  /** herald_elasticsearch_template_ready. */
  readyGauge: Gauge.Internal<string>;
  /** Called once the templates are in place (the sink may send from then on). */
  onReady(): void;
}

/**
 * Installs the templates, then flips `ready`; on failure keeps trying in the background with capped
 * exponential backoff and full jitter until stop(). Never throws: a cluster unreachable at start only
 * delays the writes, which wait for `ready`.
 */
export class TemplateInstaller {
  readonly #o: TemplateInstallerOptions;
  #ready: boolean;
  #stopped = false;
  #installing: Promise<void> | undefined;
  #firstAttempt: Promise<void> | undefined;
  #firstAttemptDone: () => void = () => undefined;

  constructor(o: TemplateInstallerOptions) {
    this.#o = o;
    this.#ready = !o.install;
    o.readyGauge.set(this.#ready ? 1 : 0);
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** Starts installing (once; never after stop()). The promise resolves after the first attempt, failed or not. */
  start(): Promise<void> | undefined {
    if (this.#firstAttempt !== undefined || this.#stopped) return this.#firstAttempt;
    this.#firstAttempt = new Promise((resolve) => (this.#firstAttemptDone = resolve));
    if (this.#ready) this.#firstAttemptDone();
    else this.#installing = this.#installLoop();
    return this.#firstAttempt;
  }

  /** No new attempt begins after this; the sink aborts `signal` to end the one in progress. */
  stop(): void {
    this.#stopped = true;
  }

  /** Resolves once the install loop has ended (at once when it never ran). */
  async stopped(): Promise<void> {
    await this.#installing;
  }

  async #installLoop(): Promise<void> {
    const o = this.#o;
    for (let attempt = 0; !this.#stopped; attempt++) {
      try {
        for (const t of o.templates) {
          const r = await installTemplate(o.client, t, o.requestTimeoutMs, o.signal);
          o.logger.info({ template: t.name, version: t.version, existing: r.existing, result: r.result }, r.result === 'installed' ? 'index template installed' : 'index template kept (same or newer version there)');
        }
        this.#ready = true;
        o.readyGauge.set(1);
        this.#firstAttemptDone();
        o.onReady();
        return;
      } catch (err) {
        if (this.#stopped) break;
        o.log.log('warn', 'template', { ...describeError(err), attempt }, 'cannot install the index templates yet; writes wait, retrying');
        this.#firstAttemptDone();
        await sleep(backoffMs(o.backoff, attempt, 'full', o.random), o.signal);
      }
    }
    this.#firstAttemptDone();
  }
}
