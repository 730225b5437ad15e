/**
 * The `logs.sandboxes` section: tailing every Mesos task sandbox's stdout/stderr (and extra files per app).
 *
 * ```yaml
 * logs:
 *   sandboxes:
 *     format: auto
 *     multiline: { start_pattern: '^\S', timeout_ms: 2s }
 *     extra_files:
 *       - { app: /shop/web, paths: [logs/*.log] }
 *       - { app: '/batch/**', paths: [gc.log], format: plain }
 *     extra_files_label: HERALD_LOG_FILES
 *     exclude_apps: [/infra/noisy-*]
 * ```
 */
import { z } from 'zod';
import { durationMs, sizeBytes } from '../../config/units';
import { multilineConfigSchema } from '../tail/config';

export const SANDBOX_FORMATS = ['auto', 'json', 'plain', 'glog'] as const;
export type SandboxFormat = (typeof SANDBOX_FORMATS)[number];

const FORMAT_DOC =
  'How lines are parsed: auto (a line starting with "{" is parsed as JSON, any other line is plain text), json, plain or glog.';
const MAX_LINE_DOC = 'Longer lines are cut at this size (on a UTF-8 boundary) and flagged truncated; the rest of the line is skipped.';
const INTERVAL_DOC = 'Look for new and removed sandboxes this often (a new sandbox is tailed from its first byte, whenever it is found).';
const RELEASE_DOC =
  'A sandbox whose executor has completed stops being tailed once its files have not changed for this long (what is left is drained first).';
const MULTILINE_DOC = 'Join physical lines into one event (e.g. Java stack traces), as for logs.files. Off when absent.';

/** A path or glob relative to the sandbox: no leading "/", no ".." segment (it must stay inside the sandbox). */
export const relativeGlob = z
  .string()
  .min(1)
  .refine((s) => !s.startsWith('/'), { message: 'must be relative to the sandbox (no leading "/")' })
  .refine((s) => !s.split('/').includes('..'), { message: 'must not leave the sandbox ("..")' });

/** An app id or a glob over app ids: "*" stays within one path segment, "**" crosses segments. */
const appPattern = z.string().min(1).max(512);

export const extraFilesSchema = z
  .strictObject({
    app: appPattern.describe('Marathon app id ("/shop/web") or a glob over app ids ("/shop/*", "/batch/**") whose sandboxes have these files.'),
    paths: z
      .array(relativeGlob)
      .min(1)
      .max(64)
      .describe('Paths or globs relative to the sandbox, e.g. "logs/*.log" (*, ?, **, [..], {a,b}).'),
    format: z.enum(SANDBOX_FORMATS).default('auto').describe(FORMAT_DOC),
  })
  .describe('Extra log files in the sandboxes of some apps.');

export const selfSandboxSchema = z
  .strictObject({
    exclude: z
      .boolean()
      .default(true)
      .describe("Never tail Herald's own sandbox (its lines would be shipped again and again): the MESOS_DIRECTORY / MESOS_SANDBOX of Herald's process, and every sandbox of Herald's own app."),
    app: appPattern
      .optional()
      .describe("Herald's own Marathon app id; default: the MARATHON_APP_ID environment variable of Herald's process, when set."),
  })
  .describe("Detection of Herald's own sandbox.");

export const sandboxesConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Tail Mesos task sandboxes (stdout, stderr, their rotated files and extra files).'),
    work_dir: z
      .string()
      .min(1)
      .refine((s) => s.startsWith('/'), { message: 'must be an absolute path' })
      .optional()
      .describe(
        "The agent's --work_dir. Default: flags.work_dir from the agent's /state; while the agent has never answered, the first of /var/lib/mesos/agent, /var/lib/mesos/slave, /var/lib/mesos that holds a slaves/ directory (none: sandboxes wait until one is known).",
      ),
    format: z.enum(SANDBOX_FORMATS).default('auto').describe(FORMAT_DOC),
    max_line_bytes: sizeBytes(MAX_LINE_DOC)
      .refine((n) => n >= 1 && n <= 64 * 1024 * 1024, { message: 'must be between 1 and 64MiB' })
      .default(65536)
      .describe(MAX_LINE_DOC),
    multiline: multilineConfigSchema.optional().describe(MULTILINE_DOC),
    start_at: z
      .enum(['beginning', 'end'])
      .default('end')
      .describe('Where to start in the files of sandboxes that exist when Herald starts and have no stored offset. Sandboxes found later are always read from their beginning.'),
    discovery_interval_ms: durationMs(INTERVAL_DOC)
      .refine((n) => n >= 100, { message: 'must be at least 100ms' })
      .default(3000)
      .describe(INTERVAL_DOC),
    release_after_ms: durationMs(RELEASE_DOC).default(60_000).describe(RELEASE_DOC),
    extra_files: z.array(extraFilesSchema).max(256).default([]).describe('Extra log files per app, relative to the sandbox.'),
    extra_files_label: z
      .string()
      .min(1)
      .optional()
      .describe('Task label whose value lists extra files (comma-separated globs relative to the sandbox, at most 16), e.g. HERALD_LOG_FILES; their format is auto. Off when absent.'),
    exclude_apps: z.array(appPattern).max(256).default([]).describe('App ids or globs over app ids whose sandboxes are never tailed.'),
    self_sandbox: selfSandboxSchema.prefault({}).describe("Detection of Herald's own sandbox."),
  })
  .describe('Mesos task sandboxes: stdout/stderr of every executor run and nested container');

export type SandboxesConfig = z.infer<typeof sandboxesConfigSchema>;
export type ExtraFilesConfig = z.infer<typeof extraFilesSchema>;
