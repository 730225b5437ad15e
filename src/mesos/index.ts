/**
 * The Mesos metadata service: one agent client and one metadata cache per Herald process, shared by the
 * logs, metrics and scrape collectors (src/mesos/model.ts is their contract).
 */
import type { ComponentContext } from '../pipeline/context';
import { AgentClient } from './agent-client';
import type { MesosConfig } from './config';
import { MetadataCache, type Timers } from './metadata-cache';

export { mesosSchema, type MesosConfig } from './config';
export { AgentClient, endpointKind } from './agent-client';
export { MetadataCache, type Timers } from './metadata-cache';
export { parseSandboxPath, runFromSandboxPath, type SandboxPath } from './sandbox-path';
export { appIdFromTaskId, appIdFromExecutorId, appKey } from './marathon-task-id';
export { normaliseState } from './state';
export type { AgentInfo, AppSource, ExecutorRun, MesosAgentClient, MesosMetadata, MesosTask } from './model';

export interface MesosService {
  readonly client: AgentClient;
  readonly metadata: MetadataCache;
}

/**
 * Creates the client and the cache; nothing is requested until `metadata.start()` (which resolves with the
 * first read's outcome, never rejects). With `enabled: false` the cache never calls the agent and every
 * identity comes from sandbox paths. Throws a HeraldError (HERALD_E_CONFIG) when a TLS file is unreadable.
 * Close with `metadata.close()` then `client.close()`.
 */
export function createMesosMetadata(
  config: MesosConfig,
  context: Pick<ComponentContext, 'logger' | 'metrics' | 'clock'>,
  timers?: Timers,
): MesosService {
  const logger = context.logger.child({ component: 'mesos' });
  const client = new AgentClient({ config, context });
  const metadata = new MetadataCache({ client, config, context: { ...context, logger }, ...(timers ? { timers } : {}) });
  return { client, metadata };
}
