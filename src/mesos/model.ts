/**
 * The shared Mesos metadata contract. One MesosMetadata instance per agent process is created by the
 * assembler and handed to the logs (sandbox discovery), metrics (container statistics) and scrape (target
 * discovery) collectors. It is built from the agent's `/state` and degrades gracefully: when the agent is
 * unreachable, identity comes from the sandbox path alone (`source: 'sandbox_path'`) and a metric counts it.
 *
 * Everything here is plain data, normalised from the agent's JSON (which differs between Mesos versions):
 * consumers never read raw `/state` objects.
 */

/** Where an identity's app key came from, most to least authoritative. */
export type AppSource =
  | 'marathon_task_id' // parsed from a Marathon task id (FORMATS.md §2.3), e.g. "/shop/web"
  | 'framework_executor' // not Marathon: "<framework name>/<executor id>"
  | 'sandbox_path'; // agent unreachable or sandbox unknown to it: derived from the path (rules in sandbox-path.ts)

/** A task as the agent reports it (running, or completed but still in `/state`). */
export interface MesosTask {
  readonly id: string;
  readonly name: string;
  /** TASK_RUNNING, TASK_FINISHED, ... */
  readonly state: string;
  /** Task labels (`labels[]` of key/value), in order; later duplicates win. */
  readonly labels: Readonly<Record<string, string>>;
  /** Host ports allocated to the task (expanded from the `ports` range string of its resources), in order. */
  readonly hostPorts: readonly number[];
  /** Named ports from `discovery.ports.ports[]` (name → number), when the framework declared them. */
  readonly portNames: Readonly<Record<string, number>>;
  /** Container IPs from the latest status' `container_status.network_infos`, when any. */
  readonly ipAddresses: readonly string[];
  /**
   * The task's own container id from its latest status' `container_status.container_id` (for pod tasks,
   * the nested child id), when the agent reported one. Added after the first version of this contract.
   */
  readonly containerId?: string;
}

/**
 * One executor run = one sandbox directory = one top-level container. Nested containers (pods, task
 * groups, debug containers) live under `<directory>/containers/<child id>/` and share this run's identity.
 */
export interface ExecutorRun {
  readonly agentId: string;
  readonly frameworkId: string;
  /** '' when unknown (agent unreachable). */
  readonly frameworkName: string;
  readonly executorId: string;
  /** '' when unknown. */
  readonly executorName: string;
  /** The ContainerID value of this run (the `runs/<container id>` directory name). */
  readonly containerId: string;
  /** Host path of the sandbox (`executor.directory`, or the path it was derived from). */
  readonly directory: string;
  /** True for `completed_executors` (or when `executor.sentinel` exists). */
  readonly completed: boolean;
  /** Running and completed tasks of this run (command executor: exactly one, with id == executorId). */
  readonly tasks: readonly MesosTask[];
  /** The per-app key (DESIGN.md): Marathon app id ("/group/app"), else "<framework name>/<executor id>". */
  readonly app: string;
  readonly appSource: AppSource;
  /** Labels of the first task (command executor) or the executor's own labels; {} when unknown. */
  readonly labels: Readonly<Record<string, string>>;
}

/** What the agent's flags and identity tell us; undefined fields are unknown (agent never reached). */
export interface AgentInfo {
  readonly agentId: string | undefined;
  readonly hostname: string | undefined;
  /** `flags.work_dir` (a string in `/state`), or the configured override. */
  readonly workDir: string | undefined;
  readonly version: string | undefined;
}

export interface MesosMetadata {
  /** Fetch `/state` once (bounded by the client's timeout and retries); never throws. Resolves true when it answered. */
  refresh(): Promise<boolean>;
  /** Ask for a refresh soon (coalesced, rate-limited): called when an unknown sandbox or container appears. */
  refreshSoon(): void;
  /** Whether the last refresh reached the agent. */
  readonly reachable: boolean;
  agent(): AgentInfo;
  /** Every executor run known from the last successful `/state` (running and completed). */
  runs(): readonly ExecutorRun[];
  /**
   * The run owning a sandbox directory (exact `runs/<container id>` path, or any path under it). When the
   * agent does not know it (or is unreachable) and the path has the Mesos layout, an identity derived from
   * the path alone (`appSource: 'sandbox_path'`); undefined for paths outside the layout.
   */
  bySandbox(path: string): ExecutorRun | undefined;
  /** The run whose top-level container id this is (or a nested container's parent). */
  byContainerId(containerId: string): ExecutorRun | undefined;
  /** Called after every refresh that changed the set of runs, tasks or labels. Returns an unsubscribe. */
  onChange(listener: () => void): () => void;
  /** Stop timers and in-flight requests. Safe to call twice. */
  close(): void;
}

/** The HTTP side: GET a JSON document from the agent (`/state`, `/metrics/snapshot`, `/containers`, ...). */
export interface MesosAgentClient {
  readonly baseUrl: string;
  /**
   * Resolves with the parsed JSON. Rejects with a HeraldError (code HERALD_E_MESOS_AGENT) after the
   * configured timeout and retries, with a message that names the path and never contains credentials.
   */
  getJson(path: string, signal?: AbortSignal): Promise<unknown>;
  close(): void;
}
