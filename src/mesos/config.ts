/**
 * The `mesos` config section: how Herald reaches the local Mesos agent's HTTP API, and how often it reads
 * `/state` for the shared metadata cache.
 *
 * ```yaml
 * mesos:
 *   agent_url: https://127.0.0.1:5051
 *   tls: { ca_file: /etc/mesos/ca.pem }
 *   auth: { username: herald, password_file: /run/secrets/mesos-agent-password }
 * ```
 */
import { z } from 'zod';
import { durationMs, sizeBytes } from '../config/units';
import { resolveSecrets, secretKeys } from '../config/secret';

const TLS_DOC = 'TLS towards an agent served over https (agent_url must start with https://)';
const AUTH_DOC = 'HTTP basic authentication (agents started with --authenticate_http_readonly)';

export const mesosTlsSchema = z
  .strictObject({
    ca_file: z.string().min(1).optional().describe('PEM file of the CA(s) that signed the agent certificate (default: the system CAs)'),
    cert_file: z.string().min(1).optional().describe('PEM client certificate, for agents that require one (give key_file too)'),
    key_file: z.string().min(1).optional().describe('PEM private key of cert_file'),
    insecure_skip_verify: z
      .boolean()
      .default(false)
      .describe('Accept any server certificate (testing only: it makes the connection open to interception)'),
  })
  .describe(TLS_DOC);

const authShape = z.strictObject({
  username: z.string().min(1).optional().describe('User name for basic authentication'),
  ...secretKeys(['password'], () => 'Password for basic authentication (prefer password_file or ${ENV})'),
  ...secretKeys(['token'], () => 'Bearer token sent as "Authorization: Bearer <token>" (DC/OS service accounts), instead of a user name and password'),
});

export const mesosAuthSchema = authShape
  .transform((value, ctx) => resolveSecrets(value, ['password', 'token'], ctx))
  .superRefine((auth, ctx) => {
    if (auth.username !== undefined && auth.password === undefined) {
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'username is set: give password or password_file too' });
    }
    if (auth.username === undefined && auth.password !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['username'], message: 'password is set: give the username too' });
    }
    if (auth.token !== undefined && auth.username !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['token'], message: 'give either username/password or token, not both' });
    }
  })
  .describe(AUTH_DOC);

export const mesosSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe('Read identity (framework, task, Marathon app, labels) from the local agent; when false, identity comes from sandbox paths alone'),
    agent_url: z
      .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
      .default('http://127.0.0.1:5051')
      .describe('Base URL of the local Mesos agent HTTP API (no credentials in the URL: use auth)'),
    work_dir: z
      .string()
      .min(1)
      .refine((s) => s.startsWith('/'), { message: 'must be an absolute path' })
      .optional()
      .describe("The agent's --work_dir as seen by Herald (default: flags.work_dir from /state); set it when Herald sees the host's work dir at another path"),
    refresh_interval_ms: durationMs('How often /state is read').default(30_000).describe('How often /state is read'),
    min_refresh_gap_ms: durationMs('Minimum time between two /state reads triggered by new sandboxes or containers (rate limit of refreshSoon)')
      .default(2_000)
      .describe('Minimum time between two /state reads triggered by new sandboxes or containers (rate limit of refreshSoon)'),
    timeout_ms: durationMs('Timeout of one HTTP request to the agent, body included').default(5_000).describe('Timeout of one HTTP request to the agent, body included'),
    retries: z.number().int().min(0).max(10).default(2).describe('Retries of a request after a connection error, timeout, 5xx or 429 (not after other 4xx)'),
    retry_backoff_ms: durationMs('First retry delay; doubles each retry, with jitter').default(200).describe('First retry delay; doubles each retry, with jitter'),
    retry_max_backoff_ms: durationMs('Cap of the retry delay (also caps a Retry-After header)').default(5_000).describe('Cap of the retry delay (also caps a Retry-After header)'),
    max_body_bytes: sizeBytes('Largest response body accepted (a busy agent\'s /state can be tens of MB)')
      .default(64 * 1024 * 1024)
      .describe("Largest response body accepted (a busy agent's /state can be tens of MB)"),
    marathon_framework_pattern: z
      .string()
      .min(1)
      .default('^marathon')
      .superRefine((source, ctx) => {
        try {
          new RegExp(source);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(err as Error).message}` });
        }
      })
      .describe('Regular expression matching the names of Marathon frameworks ("marathon", "marathon-user"): their task ids give the app key'),
    tls: mesosTlsSchema.optional().describe(TLS_DOC),
    auth: mesosAuthSchema.optional().describe(AUTH_DOC),
  })
  .superRefine((cfg, ctx) => {
    const url = new URL(cfg.agent_url);
    if (url.username !== '' || url.password !== '') {
      ctx.addIssue({ code: 'custom', path: ['agent_url'], message: 'must not contain credentials: use mesos.auth' });
    }
    if (cfg.tls !== undefined && url.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', path: ['tls'], message: 'tls is set but agent_url is not https://' });
    }
    if (cfg.tls && (cfg.tls.cert_file === undefined) !== (cfg.tls.key_file === undefined)) {
      const missing = cfg.tls.cert_file === undefined ? 'cert_file' : 'key_file';
      ctx.addIssue({ code: 'custom', path: ['tls', missing], message: 'cert_file and key_file go together' });
    }
    if (cfg.retry_max_backoff_ms < cfg.retry_backoff_ms) {
      ctx.addIssue({ code: 'custom', path: ['retry_max_backoff_ms'], message: 'must be at least retry_backoff_ms' });
    }
  })
  .describe('The local Mesos agent: identity of sandboxes and containers, agent metrics');

export type MesosConfig = z.infer<typeof mesosSchema>;
