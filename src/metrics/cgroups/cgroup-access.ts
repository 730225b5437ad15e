/**
 * The containers collector's handle on the cgroup filesystem: detects the layout once (again at most every
 * `redetectMs` while none is found, e.g. before Mesos created its root), lists Mesos containers, reads one
 * container and publishes skipped values per file to `herald_metrics_cgroup_values_skipped_total`.
 */
import type { MetricsOwnMetrics } from '../own-metrics';
import { readContainerCgroup, type CgroupStats } from './cgroup-reader';
import { detectLayout, listContainers, type CgroupLayout } from './layout';
import { Skips } from './parse';

export interface CgroupAccessOptions {
  root: string;
  mesosRoot: string;
  userHz: number;
  own: MetricsOwnMetrics;
  /** Mount table text for tests; default /proc/self/mounts. */
  mountsText?: string;
  redetectMs?: number;
}

export class CgroupAccess {
  #layout: CgroupLayout | undefined;
  #detectedAtMs = -Infinity;
  #skips = new Skips();

  constructor(private readonly opts: CgroupAccessOptions) {}

  async layout(nowMs: number): Promise<CgroupLayout | undefined> {
    if (this.#layout) return this.#layout;
    if (nowMs - this.#detectedAtMs < (this.opts.redetectMs ?? 60_000)) return undefined;
    this.#detectedAtMs = nowMs;
    this.#layout = await detectLayout(this.opts.root, this.opts.mesosRoot, this.opts.mountsText);
    return this.#layout;
  }

  async list(nowMs: number): Promise<string[]> {
    const layout = await this.layout(nowMs);
    return layout ? listContainers(layout) : [];
  }

  async read(nowMs: number, containerId: string): Promise<CgroupStats | undefined> {
    const layout = await this.layout(nowMs);
    if (!layout) return undefined;
    return readContainerCgroup(layout, [containerId], { userHz: this.opts.userHz }, this.#skips);
  }

  /** Publish the skipped values tallied since the last flush (once per collection). */
  flush(): number {
    const skips = this.#skips;
    this.#skips = new Skips();
    for (const [file, n] of skips.byFile) this.opts.own.cgroupSkipped.inc({ file }, n);
    return skips.total;
  }
}
