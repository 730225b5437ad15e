/**
 * Test harness for the sandbox source: a work_dir tree builder, the real SandboxSource over a real
 * TailSource, and a consumer that pulls and commits batches the way the runner does.
 */
import { appendFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { systemClock, type ComponentContext } from '../../../src/pipeline/context';
import type { LogEvent } from '../../../src/pipeline/records';
import type { ExecutorRun } from '../../../src/mesos/model';
import { createParser } from '../../../src/logs/parse';
import { TailSource } from '../../../src/logs/tail/tail-source';
import { sandboxesConfigSchema, type SandboxesConfig } from '../../../src/logs/sandbox/config';
import { SandboxSource } from '../../../src/logs/sandbox/sandbox-source';
import { testContext } from '../../helpers/context';
import type { FakeMetadata } from './fake-metadata';

export { metricValue, sleep } from '../tail/helpers';

export function config(over: Record<string, unknown> = {}): SandboxesConfig {
  return sandboxesConfigSchema.parse({ discovery_interval_ms: 100, start_at: 'beginning', release_after_ms: 300, ...over });
}

export function makeSandboxSource(
  stateDir: string, metadata: FakeMetadata, cfg: SandboxesConfig,
  over: { env?: Record<string, string | undefined>; context?: ComponentContext } = {},
): { source: SandboxSource; tail: TailSource; context: ComponentContext } {
  const context = over.context ?? testContext(stateDir, { clock: systemClock });
  const tail = new TailSource({
    name: 'sandboxes', groups: [], context, parserFor: createParser,
    batchMaxRecords: 1000, batchMaxBytes: 1024 * 1024, batchMaxWaitMs: 200,
    rescanIntervalMs: 200, readChunkBytes: 64 * 1024 + 1, pollIntervalMs: 50,
  });
  const source = new SandboxSource({ name: 'sandboxes', config: cfg, metadata, context, tail, env: over.env ?? {}, workDirCandidates: [] });
  return { source, tail, context };
}

/** Create a run's sandbox directory (and the runs/latest symlink to it, as the agent does). */
export function makeSandbox(run: ExecutorRun, files: Record<string, string | Buffer> = {}): string {
  mkdirSync(run.directory, { recursive: true });
  const link = (target: string, at: string) => {
    try {
      symlinkSync(target, at);
    } catch {
      // already there (another run of the same executor or agent)
    }
  };
  link(run.containerId, path.join(path.dirname(run.directory), 'latest'));
  link(run.agentId, path.join(run.directory.slice(0, run.directory.indexOf(`/slaves/${run.agentId}/`)), 'slaves', 'latest'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(run.directory, name)), { recursive: true });
    writeFileSync(path.join(run.directory, name), content);
  }
  return run.directory;
}

export function append(file: string, text: string | Buffer): void {
  appendFileSync(file, text);
}

export function lines(n: number, prefix: string, from = 0): string {
  let s = '';
  for (let i = from; i < from + n; i++) s += `${prefix} ${i}\n`;
  return s;
}

export { Consumer } from '../../helpers/consumer';

interface Named { id: string; name?: string }
/** The members a sandbox identity adds to a document (identity.ts). */
export interface IdentityDoc {
  service: { name: string };
  container: { id: string };
  orchestrator: { type: string };
  mesos: { agent: { id: string }; framework: Named; executor: Named; task?: Named; stream?: string; identity_source: string };
  labels?: Record<string, string>;
}

/** The document members an event's identity adds, parsed. */
export function identityDoc(e: LogEvent): IdentityDoc {
  return parseFragment(e.origin.identity.docFragment);
}

export function parseFragment(fragment: string): IdentityDoc {
  return JSON.parse(`{${fragment}}`) as IdentityDoc;
}

/** Count occurrences of each message (duplicates show as counts > 1). */
export function counts(messages: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of messages) m.set(s, (m.get(s) ?? 0) + 1);
  return m;
}
