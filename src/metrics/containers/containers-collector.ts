/**
 * Per-container statistics → `mesos_container` points (per app by default, see cardinality.ts).
 * Sources, in order:
 * 1. the agent's `/containers`; on a 404 (agents before 0.27 do not have it) `/monitor/statistics`, which
 *    is then used from that moment on, with `/containers` tried again every `reprobe` collections;
 * 2. the cgroup filesystem: fills the fields the agent did not give (posix isolators, v2 pressure and OOM
 *    events) and, when the agent does not answer at all, provides every container it finds under the Mesos
 *    root, identified from the last known metadata.
 * Cumulative counters become rates per container (rate-tracker.ts) before aggregation.
 */
import { errorMessage } from '../../errors';
import type { MesosAgentClient, MesosMetadata } from '../../mesos/model';
import type { MetricPoint } from '../../pipeline/records';
import type { CardinalityGuard, ContainerRecord } from '../cardinality';
import type { CgroupAccess } from '../cgroups/cgroup-access';
import { cgroupToValues } from '../cgroups/to-statistics';
import type { Collector } from '../collector';
import type { MetricsOwnMetrics } from '../own-metrics';
import { ContainerIdentities } from './container-identity';
import { RateTracker } from './rate-tracker';
import { normalisePayload, type ContainerSample, type NormaliseTally } from './statistics';

export const CONTAINER_MEASUREMENT = 'mesos_container';
export type Endpoint = '/containers' | '/monitor/statistics';

/** Fields without which the agent's answer is completed from the cgroup (when it has one). */
const CORE_FIELDS = ['cpus_user_time_secs', 'cpus_system_time_secs', 'mem_total_bytes'] as const;

export interface ContainersCollectorOptions {
  client: MesosAgentClient;
  metadata: MesosMetadata;
  cgroups: CgroupAccess | undefined;
  guard: CardinalityGuard;
  hostname: string;
  own: MetricsOwnMetrics;
  /** Collections between two attempts at `/containers` after falling back to `/monitor/statistics`. */
  reprobe?: number;
}

/** A 404 from the agent client: by status when the error carries one, else by its message. */
export function isNotFound(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 3; depth++) {
    const o = e as { status?: unknown; statusCode?: unknown; cause?: unknown };
    if (o.status === 404 || o.statusCode === 404) return true;
    e = o.cause;
  }
  return /\b404\b/.test(errorMessage(err));
}

export class ContainersCollector implements Collector {
  readonly name = 'containers' as const;
  readonly rates = new RateTracker();
  readonly #ids: ContainerIdentities;
  #endpoint: Endpoint = '/containers';
  #sinceFallback = 0;

  constructor(private readonly opts: ContainersCollectorOptions) {
    this.#ids = new ContainerIdentities(opts.metadata);
  }

  get endpoint(): Endpoint {
    return this.#endpoint;
  }

  async collect(nowMs: number, signal: AbortSignal): Promise<MetricPoint[]> {
    const tally: NormaliseTally = { badEntries: 0, invalidValues: 0 };
    const fetched = await this.#fetch(signal);
    let samples: ContainerSample[];
    let agentAnswered = true;
    if (fetched.ok) samples = normalisePayload(fetched.payload, tally);
    else {
      agentAnswered = false;
      if (!this.opts.cgroups) throw fetched.error; // nothing else to read: the collection failed
      samples = (await this.opts.cgroups.list(nowMs)).map((id) => ({ containerId: id, frameworkId: '', executorId: '', timestampSec: undefined, values: new Map(), hasStatistics: false }));
    }
    this.#ids.begin();
    this.rates.begin();
    const records: ContainerRecord[] = [];
    const nowSec = nowMs / 1000;
    for (const s of samples) {
      if (!agentAnswered) {
        const run = this.opts.metadata.byContainerId(s.containerId as string);
        if (run) {
          s.frameworkId = run.frameworkId;
          s.executorId = run.executorId;
        }
      }
      const id = this.#ids.identify(s.containerId, s.frameworkId, s.executorId);
      await this.#fillFromCgroup(s, id.containerKey, !agentAnswered, nowMs);
      if (s.values.size === 0) continue; // no statistics anywhere (container starting or gone)
      this.opts.own.containerSource.inc({ endpoint: agentAnswered ? this.#endpoint : 'cgroups' });
      const rate = this.rates.observe(id.containerKey, s.values, s.timestampSec, nowSec);
      if (rate.outcome === 'reset') {
        this.opts.own.resets.inc({ collector: 'containers' });
        this.opts.own.skipped.inc({ collector: 'containers', reason: 'counter_reset' });
      } else if (rate.outcome === 'time_backwards') this.opts.own.skipped.inc({ collector: 'containers', reason: 'time_backwards' });
      records.push({ id, values: s.values, rate });
    }
    this.rates.sweep();
    this.opts.cgroups?.flush();
    if (this.#ids.unknown > 0) this.opts.own.unknownContainers.inc(this.#ids.unknown);
    if (tally.badEntries > 0) this.opts.own.skipped.inc({ collector: 'containers', reason: 'bad_entry' }, tally.badEntries);
    if (tally.invalidValues > 0) this.opts.own.skipped.inc({ collector: 'containers', reason: 'invalid_value' }, tally.invalidValues);
    return this.opts.guard.build(CONTAINER_MEASUREMENT, records, this.opts.hostname, nowMs);
  }

  async #fillFromCgroup(s: ContainerSample, containerId: string, agentDown: boolean, nowMs: number): Promise<void> {
    const cg = this.opts.cgroups;
    if (!cg || containerId.includes('/')) return; // monitor/statistics entry of an unknown run: no cgroup name
    const layout = await cg.layout(nowMs);
    if (!layout) return;
    // With the agent's answer complete, v1 adds nothing it lacks: skip the reads. v2 adds PSI and OOM events.
    const needed = agentDown || layout.version === 2 || CORE_FIELDS.some((f) => !s.values.has(f));
    if (!needed) return;
    const stats = await cg.read(nowMs, containerId);
    if (stats) cgroupToValues(stats, s.values);
  }

  async #fetch(signal: AbortSignal): Promise<{ ok: true; payload: unknown } | { ok: false; error: unknown }> {
    const reprobe = this.opts.reprobe ?? 60;
    if (this.#endpoint === '/monitor/statistics' && ++this.#sinceFallback >= reprobe) {
      this.#endpoint = '/containers';
    }
    try {
      return { ok: true, payload: await this.opts.client.getJson(this.#endpoint, signal) };
    } catch (err) {
      if (this.#endpoint !== '/containers' || !isNotFound(err) || signal.aborted) return { ok: false, error: err };
    }
    // An agent without /containers: the older endpoint has the same entries minus container_id and status.
    this.#endpoint = '/monitor/statistics';
    this.#sinceFallback = 0;
    try {
      return { ok: true, payload: await this.opts.client.getJson(this.#endpoint, signal) };
    } catch (err) {
      return { ok: false, error: err };
    }
  }
}
