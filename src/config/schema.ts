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
import { mesosSchema } from '../mesos/config';
import { elasticsearchOutputSchema } from '../sinks/elasticsearch/config';
import { checkInfluxdbBufferDir, influxdbOutputSchema } from '../sinks/influxdb/config';
import { qosSchema } from '../qos/config';
import { redactSchema } from '../redact/config';
import { metricsSchema } from '../metrics/config';
import { scrapeSchema } from '../scrape/config';

function defaultStateDir(): string {
  if (process.getuid?.() === 0) return '/var/lib/herald';
  return join(process.env['XDG_STATE_HOME'] ?? join(homedir(), '.local', 'state'), 'herald');
}

export const outputsSchema = z
  .strictObject({
    file: fileOutputSchema.prefault({}),
    elasticsearch: elasticsearchOutputSchema.optional().describe('Elasticsearch output for log events; when absent, logs go to the file output'),
    influxdb: influxdbOutputSchema.optional().describe('InfluxDB output for metric points; when absent, metrics go to the file output'),
  })
  .describe('Where records go. With no elasticsearch/influxdb output, the embedded file output takes their place');

export const rootSchema = z
  .strictObject({
    node_name: z.string().min(1).default(hostname()).describe('This node\'s name in host.name and the host tag (default: the OS hostname)'),
    state_dir: z.string().min(1).default(defaultStateDir()).describe('Host path for offsets, buffers and the embedded output (default /var/lib/herald as root, else $XDG_STATE_HOME/herald)'),
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info').describe("Level of Herald's own logs (the HERALD_LOG_LEVEL environment variable overrides it)"),
    heap_growth_percent: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(30)
      .describe("How far V8's heap may grow past the live data before a full garbage collection, in percent (V8's --heap-growing-percent), applied at start and on reload. Lower keeps resident memory down for some CPU; 0 leaves it to V8, which lets the heap grow to several times the live data under load"),
    server: serverSchema.prefault({}),
    pipeline: pipelineSchema.prefault({}),
    mesos: mesosSchema.prefault({}),
    logs: logsSchema.prefault({}),
    metrics: metricsSchema.prefault({}),
    scrape: scrapeSchema.prefault({}),
    qos: qosSchema.prefault({}),
    redact: redactSchema.prefault({}),
    outputs: outputsSchema.prefault({}),
  })
  .superRefine((cfg, ctx) => {
    // Cross-checks that no single section can make.
    if (cfg.outputs.influxdb !== undefined) {
      // The buffer must not share a directory with the file output (rotation would delete segments).
      const problem = checkInfluxdbBufferDir(cfg.outputs.influxdb, cfg.state_dir, [cfg.outputs.file.dir ?? join(cfg.state_dir, 'output')]);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['outputs', 'influxdb', 'buffer', 'dir'], message: problem });
    }
    if (cfg.outputs.file.enabled === 'never' && (cfg.outputs.elasticsearch === undefined || cfg.outputs.influxdb === undefined)) {
      const missing = [cfg.outputs.elasticsearch === undefined ? 'logs (outputs.elasticsearch)' : '', cfg.outputs.influxdb === undefined ? 'metrics (outputs.influxdb)' : ''].filter((s) => s !== '').join(' and ');
      ctx.addIssue({ code: 'custom', path: ['outputs', 'file', 'enabled'], message: `no output left for ${missing}: configure it, or enable the file output` });
    }
  })
  .describe('Herald configuration');

export type HeraldConfig = z.infer<typeof rootSchema>;
