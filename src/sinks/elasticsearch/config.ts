/**
 * The `outputs.elasticsearch` section.
 *
 * ```yaml
 * outputs:
 *   elasticsearch:
 *     urls: [https://es-1:9200, https://es-2:9200]
 *     index: herald-logs-%Y.%m.%d          # or data_stream: logs-herald-default
 *     auth: { username: herald, password_file: /run/secrets/es-password }
 *     tls: { ca_file: /etc/herald/es-ca.pem }
 * ```
 * Everything that can be checked without the server is checked here, at load, with the path of the key.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { durationMs, sizeBytes } from '../../config/units';
import { resolveSecrets, secretKeys } from '../../config/secret';

export const DEFAULT_INDEX = 'herald-logs-%Y.%m.%d';
export const DEFAULT_DEAD_LETTER_INDEX = 'herald-dead-letter-%Y.%m.%d';

const url = z
  .string()
  .superRefine((s, ctx) => {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      ctx.addIssue({ code: 'custom', message: `not a URL: ${JSON.stringify(s)}` });
      return;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: `must be http:// or https://, got ${u.protocol}//` });
    // Credentials in a URL end up in error messages and process listings: they belong in `auth`.
    if (u.username !== '' || u.password !== '') ctx.addIssue({ code: 'custom', message: 'must not contain credentials: use outputs.elasticsearch.auth' });
  });

/** Elasticsearch's index name rules, checked on the name with %Y %m %d replaced. */
export function indexNameProblem(pattern: string, dated: boolean): string | undefined {
  const unknown = /%[^Ymd]/.exec(pattern);
  if (unknown) return `unknown placeholder ${unknown[0]} (only %Y, %m and %d)`;
  if (!dated && pattern.includes('%')) return 'must not contain % placeholders';
  if (pattern.startsWith('%')) return 'must start with a fixed prefix (the index template matches <prefix>*)';
  const name = pattern.replace(/%Y/g, '2026').replace(/%[md]/g, '01');
  if (name !== name.toLowerCase()) return 'must be lower case';
  if (/[\\/*?"<>| ,#:]/.test(name)) return 'must not contain \\ / * ? " < > | space , # :';
  if (/^[-_+.]/.test(name)) return 'must not start with - _ + or .';
  if (Buffer.byteLength(name) > 255) return 'must be at most 255 bytes';
  return undefined;
}

const indexPattern = (what: string) =>
  z.string().superRefine((s, ctx) => {
    const problem = indexNameProblem(s, true);
    if (problem) ctx.addIssue({ code: 'custom', message: `${what} ${problem}` });
  });

const AUTH_SECRETS = ['password', 'api_key'] as const;
const authSchema = z
  .strictObject({
    username: z.string().min(1).optional().describe('Basic authentication user (with password or password_file)'),
    ...secretKeys(AUTH_SECRETS, (n) =>
      n === 'password' ? 'Basic authentication password (prefer password_file or ${ENV})' : 'API key, the base64 "id:key" form Elasticsearch returns as `encoded` (prefer api_key_file or ${ENV})',
    ),
  })
  .transform((v, ctx) => {
    const out = resolveSecrets(v, AUTH_SECRETS, ctx);
    const basic = v.username !== undefined || v.password !== undefined || v.password_file !== undefined;
    const apiKey = v.api_key !== undefined || v.api_key_file !== undefined;
    if (basic && apiKey) ctx.addIssue({ code: 'custom', path: ['api_key'], message: 'give either username + password or api_key, not both' });
    else if (v.username !== undefined && out.password === undefined && v.password_file === undefined) ctx.addIssue({ code: 'custom', path: ['password'], message: 'username needs password or password_file' });
    else if (v.username === undefined && (v.password !== undefined || v.password_file !== undefined)) ctx.addIssue({ code: 'custom', path: ['username'], message: 'password needs username' });
    else if (!basic && !apiKey) ctx.addIssue({ code: 'custom', message: 'give username + password, or api_key' });
    return out;
  });
const AUTH_DOC = 'Credentials: basic (username + password/password_file) or api_key/api_key_file; never logged';

const tlsSchema = z
  .strictObject({
    ca_file: z.string().min(1).optional().describe('PEM file of the CA(s) that signed the servers\' certificates (read at load); default: the system CAs'),
    insecure_skip_verify: z.boolean().default(false).describe('Accept any server certificate (no verification): for tests only, never in production'),
  })
  .transform((v, ctx) => {
    let ca: string | undefined;
    if (v.ca_file !== undefined) {
      try {
        ca = readFileSync(v.ca_file, 'utf8');
        if (!ca.includes('-----BEGIN CERTIFICATE-----')) ctx.addIssue({ code: 'custom', path: ['ca_file'], message: `${JSON.stringify(v.ca_file)} holds no PEM certificate` });
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['ca_file'], message: `cannot read ${JSON.stringify(v.ca_file)} (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
      }
    }
    return { ...v, ca };
  });
const TLS_DOC = 'TLS for https:// URLs';

const INITIAL_BACKOFF_DOC = 'First wait before re-sending items that failed transiently (429, 5xx, timeout, connection error); doubles per attempt, with full jitter';
const MAX_BACKOFF_DOC = 'Cap of the wait between re-sends; transient failures are retried until Herald stops (logs wait in their files)';

export const elasticsearchOutputSchema = z
  .strictObject({
    url: url.optional().describe('One node, e.g. "http://es:9200" (or use urls)'),
    urls: z.array(url).min(1).optional().describe('Several nodes of one cluster; requests are spread over them and a failing node is avoided for a while'),
    index: indexPattern('index').optional().describe(`Index name pattern; %Y %m %d are the event's UTC date (daily indices). Default ${DEFAULT_INDEX}. Not with data_stream`),
    data_stream: z
      .string()
      .superRefine((s, ctx) => {
        const problem = indexNameProblem(s, false);
        if (problem) ctx.addIssue({ code: 'custom', message: `data_stream ${problem}` });
      })
      .optional()
      .describe('Write to this data stream (e.g. "logs-herald-default") instead of daily indices: `create` actions, template with data_stream: {}. Deleting old data then needs the data stream APIs (x-pack); see deploy/elasticsearch/README.md'),
    dead_letter_index: indexPattern('dead_letter_index').default(DEFAULT_DEAD_LETTER_INDEX).describe('Where documents Elasticsearch refused (mapping conflicts, 400s) go, with the reason and the original as an unindexed string; %Y %m %d from the time of refusal'),
    flush_bytes: sizeBytes('A bulk request is sent once this many bytes are buffered; larger pipeline batches are split. Keep well below the server\'s http.max_content_length (100mb)')
      .refine((n) => n >= 1024 && n <= 64 * 1024 * 1024, { message: 'must be between 1KiB and 64MiB' })
      .default(5 * 1024 * 1024)
      .describe('A bulk request is sent once this many bytes are buffered; larger pipeline batches are split. Keep well below the server\'s http.max_content_length (100mb)'),
    flush_interval_ms: durationMs('Longest a document waits in the buffer for others to join its bulk request while requests are in flight and a slot is free (with none in flight, and whenever an answer arrives, what is buffered goes at once); 0 sends at once. While all slots are busy, documents accumulate up to flush_bytes')
      .refine((n) => n <= 60_000, { message: 'must be at most 60s' })
      .default(50)
      .describe('Longest a document waits in the buffer for others to join its bulk request while requests are in flight and a slot is free (with none in flight, and whenever an answer arrives, what is buffered goes at once); 0 sends at once. While all slots are busy, documents accumulate up to flush_bytes'),
    max_concurrent_requests: z.number().int().min(1).max(64).default(4).describe('Bulk requests in flight at once (new and re-sent)'),
    request_timeout_ms: durationMs('Time for one bulk or template request before it counts as failed (transient: re-sent)')
      .refine((n) => n >= 100, { message: 'must be at least 100ms' })
      .default(30_000)
      .describe('Time for one bulk or template request before it counts as failed (transient: re-sent)'),
    retry: z
      .strictObject({
        initial_backoff_ms: durationMs(INITIAL_BACKOFF_DOC).default(200).describe(INITIAL_BACKOFF_DOC),
        max_backoff_ms: durationMs(MAX_BACKOFF_DOC).default(30_000).describe(MAX_BACKOFF_DOC),
      })
      .refine((r) => r.max_backoff_ms >= r.initial_backoff_ms, { path: ['max_backoff_ms'], message: 'must be at least initial_backoff_ms' })
      .prefault({})
      .describe('Re-sending after transient failures'),
    template: z
      .strictObject({
        install: z.boolean().default(true).describe('Install the index templates (deploy/elasticsearch/*.json) at start, unless one with the same or a newer _meta.version is there; writes wait until installed'),
        name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower case letters, digits, . _ -').default('herald-logs').describe('Name of the logs index template; the dead-letter template is <name>-dead-letter, the operator\'s optional component template <name>@custom'),
        priority: z.number().int().min(0).max(1_000_000).default(200).describe('Template priority (higher wins over other matching templates; the dead-letter template gets priority + 1)'),
      })
      .prefault({})
      .describe('Index templates with the ECS mappings'),
    auth: authSchema.optional().describe(AUTH_DOC),
    tls: tlsSchema.optional().describe(TLS_DOC),
  })
  .transform((v, ctx) => {
    const urls = v.urls ?? (v.url === undefined ? [] : [v.url]);
    if (v.url !== undefined && v.urls !== undefined) ctx.addIssue({ code: 'custom', path: ['urls'], message: 'give url or urls, not both' });
    else if (urls.length === 0) ctx.addIssue({ code: 'custom', path: ['url'], message: 'give url or urls' });
    if (v.data_stream !== undefined && v.index !== undefined) ctx.addIssue({ code: 'custom', path: ['data_stream'], message: 'give index or data_stream, not both' });
    const index = v.data_stream ?? v.index ?? DEFAULT_INDEX;
    if (index === v.dead_letter_index || templatePattern(index) === templatePattern(v.dead_letter_index)) {
      ctx.addIssue({ code: 'custom', path: ['dead_letter_index'], message: 'must differ from the index, with a different prefix before the first %' });
    }
    if (v.tls !== undefined && !urls.some((u) => u.startsWith('https:'))) ctx.addIssue({ code: 'custom', path: ['tls'], message: 'tls applies to https:// urls only, and none is given' });
    const { url: _url, ...rest } = v;
    return { ...rest, urls, index, mode: v.data_stream === undefined ? ('index' as const) : ('data_stream' as const) };
  })
  .describe('Elasticsearch output for log events (bulk API, ECS documents)');

export type ElasticsearchOutputConfig = z.infer<typeof elasticsearchOutputSchema>;

/** The index_patterns entry of a template for an index pattern: the fixed prefix + `*`, or the exact name. */
export function templatePattern(index: string): string {
  const cut = index.indexOf('%');
  return cut < 0 ? index : `${index.slice(0, cut)}*`;
}
