/**
 * The one schema of Herald's configuration file, composed from each component's own `config.ts`.
 * Every field carries a description; `config/herald.schema.json` is generated from this (and a test keeps
 * it current).
 */
import { hostname, homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { logsSchema } from '../logs/config';
import { fileOutputSchema } from '../sinks/file/config';
import { pipelineSchema } from '../pipeline/config';
import { serverSchema } from '../server/config';

function defaultStateDir(): string {
  if (process.getuid?.() === 0) return '/var/lib/herald';
  return join(process.env['XDG_STATE_HOME'] ?? join(homedir(), '.local', 'state'), 'herald');
}

export const outputsSchema = z
  .strictObject({
    file: fileOutputSchema.prefault({}),
  })
  .describe('Where records go. With no elasticsearch/influxdb output, the embedded file output takes their place');

export const rootSchema = z
  .strictObject({
    node_name: z.string().min(1).default(hostname()).describe('This node\'s name in host.name and the host tag (default: the OS hostname)'),
    state_dir: z.string().min(1).default(defaultStateDir()).describe('Host path for offsets, buffers and the embedded output (default /var/lib/herald as root, else $XDG_STATE_HOME/herald)'),
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info').describe("Level of Herald's own logs (the HERALD_LOG_LEVEL environment variable overrides it)"),
    server: serverSchema.prefault({}),
    pipeline: pipelineSchema.prefault({}),
    logs: logsSchema.prefault({}),
    outputs: outputsSchema.prefault({}),
  })
  .superRefine((cfg, ctx) => {
    // Cross-checks that no single section can make.
    if (cfg.outputs.file.enabled === 'never') {
      ctx.addIssue({ code: 'custom', path: ['outputs', 'file', 'enabled'], message: 'no output left for logs and metrics: configure outputs.elasticsearch / outputs.influxdb, or enable the file output' });
    }
  })
  .describe('Herald configuration');

export type HeraldConfig = z.infer<typeof rootSchema>;
