/**
 * The `outputs.influxdb` section: where metric points go (InfluxDB 2.x write API, line protocol).
 *
 * ```yaml
 * outputs:
 *   influxdb:
 *     url: https://influx.example:8086
 *     org: ops
 *     bucket: herald
 *     token: ${INFLUX_TOKEN}          # from the environment at load; or token_file: /run/secrets/influx
 *     precision: ms
 *     buffer: { max_bytes: 256MiB, overflow: drop_oldest }
 *     tls: { ca_file: /etc/ssl/influx-ca.pem }
 * ```
 * The token is never logged: it is a Secret (prints `[redacted]`). `${INFLUX_TOKEN}` is interpolated when
 * the file is loaded, so the token can live in the environment (Marathon secrets) rather than the file.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { durationMs, sizeBytes } from '../../config/units';
import { resolveSecrets, secretKeys } from '../../config/secret';

const retrySchema = z
  .strictObject({
    initial_backoff_ms: durationMs('First wait before retrying a failed request; doubles per attempt, with ±20% jitter').default(500),
    max_backoff_ms: durationMs('Cap of the wait between retries (a Retry-After header from the server is honoured up to 5 minutes)').default(30_000),
    max_retry_time_ms: durationMs(
      'How long a batch is retried in memory before it goes to the on-disk buffer (the write is then acknowledged). Without a buffer (buffer.max_bytes: 0) retries last until shutdown and the write stays pending (backpressure)',
    ).default(10_000),
  })
  .describe('Retries of transient failures: network errors, timeouts, 429, 5xx, and 401/403/404 (a revoked token or a missing bucket is fixed by an operator; data waits in the buffer meanwhile)');

const bufferSchema = z
  .strictObject({
    max_bytes: sizeBytes('Bound of the on-disk buffer of points InfluxDB has not taken yet; 0 disables the buffer').default(256 * 1024 * 1024),
    dir: z.string().min(1).optional().describe('Directory of the buffer segments (default: <state_dir>/buffers/influxdb); must be absolute and used by this output only'),
    overflow: z
      .enum(['drop_oldest', 'drop_newest'])
      .default('drop_oldest')
      .describe('What the bound forces out: drop_oldest deletes the oldest buffered segments (not the one being replayed), drop_newest refuses the incoming batch. Either way the points are counted in herald_influxdb_buffer_dropped_points_total and logged once per interval'),
  })
  .describe('The bounded on-disk buffer used while InfluxDB is unreachable, replayed in order when it answers again; it survives restarts');

const tlsSchema = z
  .strictObject({
    ca_file: z.string().min(1).optional().describe('PEM file of the CA(s) to trust for the server certificate, in addition to the system ones (read at load)'),
    insecure_skip_verify: z.boolean().default(false).describe('Do not verify the server certificate (testing only: anyone on the path can read the token)'),
  })
  .describe('TLS settings for an https url');

const SECRETS = ['token'] as const;

export const influxdbOutputSchema = z
  .strictObject({
    url: z
      .string()
      .refine((s) => /^https?:\/\/[^/]/.test(s) && URL.canParse(s), { message: 'expected an http:// or https:// URL' })
      .describe('Base URL of InfluxDB 2.x, e.g. http://influxdb:8086 (no /api/v2 suffix)'),
    org: z.string().min(1).describe('Organization name (or id) the bucket belongs to'),
    bucket: z.string().min(1).describe('Bucket the points are written to'),
    ...secretKeys(SECRETS, () => 'API token with write permission on the bucket; use ${INFLUX_TOKEN} to take it from the environment'),
    precision: z.enum(['s', 'ms', 'us', 'ns']).default('ms').describe('Timestamp precision of the written points: s, ms (default), us or ns (s truncates; us and ns keep sub-millisecond parts)'),
    gzip: z.boolean().default(true).describe('Compress request bodies (gzip): about 10× fewer bytes on the wire for metric lines'),
    batch_max_points: z.number().int().min(1).max(100_000).default(5000).describe('Points per write request; a batch is sent once it has this many points or after flush_interval_ms'),
    flush_interval_ms: durationMs('Longest a point waits for its batch to fill before it is sent').default(1000),
    max_concurrent_requests: z.number().int().min(1).max(32).default(2).describe('Write requests in flight at once (live traffic; the buffer replays one at a time, in order)'),
    request_timeout_ms: durationMs('A request without an answer after this long is abandoned and retried').default(10_000),
    retry: retrySchema.prefault({}),
    buffer: bufferSchema.prefault({}),
    tls: tlsSchema.optional(),
  })
  .transform((value, ctx) => {
    const out = resolveSecrets(value, SECRETS, ctx);
    if (out.token === undefined && value.token_file === undefined) {
      ctx.addIssue({ code: 'custom', path: ['token'], message: 'give token (e.g. ${INFLUX_TOKEN}) or token_file: InfluxDB 2.x refuses unauthenticated writes' });
    }
    if (out.buffer.dir !== undefined && !isAbsolute(out.buffer.dir)) {
      ctx.addIssue({ code: 'custom', path: ['buffer', 'dir'], message: `must be an absolute path, got ${JSON.stringify(out.buffer.dir)}` });
    }
    let ca: string | undefined;
    if (out.tls !== undefined) {
      if (!out.url.startsWith('https:')) ctx.addIssue({ code: 'custom', path: ['tls'], message: 'tls settings need an https:// url' });
      if (out.tls.ca_file !== undefined) {
        try {
          ca = readFileSync(out.tls.ca_file, 'utf8');
          if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
            ctx.addIssue({ code: 'custom', path: ['tls', 'ca_file'], message: `${JSON.stringify(out.tls.ca_file)} holds no PEM certificate` });
          }
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code ?? 'error';
          ctx.addIssue({ code: 'custom', path: ['tls', 'ca_file'], message: `cannot read ${JSON.stringify(out.tls.ca_file)} (${code})` });
        }
      }
    }
    if (out.retry.max_backoff_ms < out.retry.initial_backoff_ms) {
      ctx.addIssue({ code: 'custom', path: ['retry', 'max_backoff_ms'], message: 'must not be below retry.initial_backoff_ms' });
    }
    return { ...out, tls_ca: ca };
  })
  .describe('InfluxDB 2.x output for metric points');

export type InfluxdbOutputConfig = z.infer<typeof influxdbOutputSchema>;

/** The buffer directory the config resolves to. */
export function influxdbBufferDir(config: InfluxdbOutputConfig, stateDir: string): string {
  return config.buffer.dir ?? join(stateDir, 'buffers', 'influxdb');
}

/**
 * Cross-check for the root schema (it knows state_dir and the other outputs): the buffer deletes files it
 * did not write only if they look like its segments, but sharing a directory with another writer (the file
 * output, offsets) would still mix data. Returns an error message, or undefined.
 */
export function checkInfluxdbBufferDir(config: InfluxdbOutputConfig, stateDir: string, otherDirs: readonly string[]): string | undefined {
  const dir = influxdbBufferDir(config, stateDir).replace(/\/+$/, '');
  for (const other of otherDirs) {
    const o = other.replace(/\/+$/, '');
    if (dir === o || dir.startsWith(`${o}/`) || o.startsWith(`${dir}/`)) {
      return `the influxdb buffer directory ${JSON.stringify(dir)} overlaps ${JSON.stringify(o)}; give outputs.influxdb.buffer.dir a directory of its own`;
    }
  }
  return undefined;
}
