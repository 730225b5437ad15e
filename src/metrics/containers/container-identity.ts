/**
 * Maps a container sample to its app, framework, executor and task through the shared Mesos metadata.
 * `/containers` entries carry the container id (`byContainerId`); `/monitor/statistics` entries of older
 * agents only framework and executor ids, matched against the live runs. An unknown container asks the
 * metadata for a refresh (coalesced by it) and is tagged `app=unknown`, framework by id, so its data is
 * kept and the gap is visible.
 */
import type { ExecutorRun, MesosMetadata } from '../../mesos/model';
import type { ContainerIdentity } from '../cardinality';

export const UNKNOWN_APP = 'unknown';

export class ContainerIdentities {
  #byExecutor = new Map<string, ExecutorRun>();
  #runs: readonly ExecutorRun[] | undefined;
  #askedRefresh = false;
  unknown = 0;

  constructor(private readonly metadata: MesosMetadata) {}

  /** Start of a collection: re-index the runs when the metadata has new ones. */
  begin(): void {
    this.#askedRefresh = false;
    this.unknown = 0;
    const runs = this.metadata.runs();
    if (runs === this.#runs) return;
    this.#runs = runs;
    this.#byExecutor = new Map();
    // Running runs win over completed ones of the same executor id (a relaunched executor).
    for (const r of runs) {
      const k = `${r.frameworkId}\u0000${r.executorId}`;
      const had = this.#byExecutor.get(k);
      if (!had || (had.completed && !r.completed)) this.#byExecutor.set(k, r);
    }
  }

  run(containerId: string | undefined, frameworkId: string, executorId: string): ExecutorRun | undefined {
    if (containerId !== undefined) return this.metadata.byContainerId(containerId);
    return this.#byExecutor.get(`${frameworkId}\u0000${executorId}`);
  }

  identify(containerId: string | undefined, frameworkId: string, executorId: string): ContainerIdentity {
    const run = this.run(containerId, frameworkId, executorId);
    const containerKey = containerId ?? run?.containerId ?? `${frameworkId}/${executorId}`;
    if (!run) {
      this.unknown++;
      if (!this.#askedRefresh) {
        this.#askedRefresh = true;
        this.metadata.refreshSoon();
      }
      return { app: UNKNOWN_APP, framework: frameworkId || UNKNOWN_APP, executor: executorId, task: '', containerKey };
    }
    const task = run.tasks.length === 1 ? (run.tasks[0]?.id ?? '') : '';
    return { app: run.app, framework: run.frameworkName || run.frameworkId, executor: run.executorId, task, containerKey };
  }
}
