/**
 * The config of one `logs.files[]` entry, and its conversion to a WatchGroup.
 *
 * ```yaml
 * logs:
 *   files:
 *     - { path: /var/log/haproxy.log, format: haproxy }
 *     - path: [/var/log/app/*.log, /opt/app/logs/**\/*.log]
 *       exclude: [/var/log/app/debug-*.log]
 *       format: plain
 *       app: /shop/web
 *       start_at: beginning
 *       multiline: { start_pattern: '^\d{4}-\d{2}-\d{2}', timeout_ms: 2s }
 * ```
 */
import { z } from 'zod';
import { durationMs, sizeBytes } from '../../config/units';
import type { LogFormat } from '../parse/contract';
import type { Identity } from '../../pipeline/records';
import type { WatchGroup } from './groups';

export const LOG_FORMATS = ['syslog', 'haproxy', 'json', 'plain', 'glog'] as const satisfies readonly LogFormat[];

/** event.dataset of a file when the config does not name one. */
export const DEFAULT_DATASET: Record<LogFormat, string> = {
  syslog: 'system.syslog',
  haproxy: 'haproxy.log',
  json: 'generic.json',
  plain: 'generic.log',
  glog: 'generic.glog',
};

const TIMEOUT_DOC = 'Emit a held event after this long without a new line (so the last stack trace of a quiet file is not held).';
const MAX_LINE_DOC = 'Longer lines are cut at this size (on a UTF-8 boundary) and flagged truncated; the rest of the line is skipped.';
const MULTILINE_DOC = 'Join physical lines into one event (stack traces). Off when absent.';

const absoluteGlob = z
  .string()
  .min(1)
  .refine((s) => s.startsWith('/'), { message: 'must be an absolute path or glob (starting with "/")' });

const regexSource = z
  .string()
  .min(1)
  .superRefine((source, ctx) => {
    try {
      new RegExp(source);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(err as Error).message}` });
    }
  });

export const multilineConfigSchema = z
  .strictObject({
    start_pattern: regexSource.describe(
      'Regular expression (JavaScript syntax) matching the first line of an event, e.g. "^\\\\d{4}-\\\\d{2}-\\\\d{2}" or "^\\\\S"; the lines that do not match are appended to the previous event.',
    ),
    negate: z
      .boolean()
      .default(false)
      .describe('Invert the match: lines matching start_pattern are continuations, the others start events.'),
    timeout_ms: durationMs(TIMEOUT_DOC).default(2000).describe(TIMEOUT_DOC),
    max_lines: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(500)
      .describe('Emit the event once it has this many lines; further continuation lines start a new event.'),
  })
  .describe(MULTILINE_DOC);

export const tailFileConfigSchema = z
  .strictObject({
    path: z
      .union([absoluteGlob, z.array(absoluteGlob).min(1)])
      .describe('Absolute path or glob, or a list of them: *, ?, ** (any depth), [abc], {a,b}. Directories that do not exist yet are fine.'),
    exclude: z.array(absoluteGlob).default([]).describe('Absolute globs of files not to tail even though `path` matches them.'),
    format: z.enum(LOG_FORMATS).default('plain').describe('How lines are parsed: syslog, haproxy, json, plain or glog.'),
    dataset: z
      .string()
      .min(1)
      .optional()
      .describe('event.dataset of the events; default by format: system.syslog, haproxy.log, generic.json, generic.log, generic.glog.'),
    app: z
      .string()
      .min(1)
      .optional()
      .describe('App key of these files for QoS, dashboards and alerts (service.name), e.g. "/shop/web".'),
    start_at: z
      .enum(['beginning', 'end'])
      .default('end')
      .describe('Where to start in a file that exists when tailing starts and has no stored offset. Files created later are always read from their beginning.'),
    max_line_bytes: sizeBytes(MAX_LINE_DOC)
      .refine((n) => n >= 1 && n <= 64 * 1024 * 1024, { message: 'must be between 1 and 64MiB' })
      .default(65536)
      .describe(MAX_LINE_DOC),
    multiline: multilineConfigSchema.optional().describe(MULTILINE_DOC),
  })
  .describe('A set of log files to tail.');

export type TailFileConfig = z.infer<typeof tailFileConfigSchema>;

/** The identity shared by a file group's events: the app key, if configured, as service.name. */
export function fileIdentity(app: string | undefined): Identity {
  if (app === undefined) return { app: '', docFragment: '', labels: {} };
  return { app, docFragment: `"service":{"name":${JSON.stringify(app)}}`, labels: {} };
}

/** One parsed `logs.files[index]` entry as a watch group (id `files[<index>]`). */
export function watchGroupFromConfig(cfg: TailFileConfig, index: number): WatchGroup {
  const group: WatchGroup = {
    id: `files[${index}]`,
    include: typeof cfg.path === 'string' ? [cfg.path] : [...cfg.path],
    exclude: [...cfg.exclude],
    format: cfg.format,
    dataset: cfg.dataset ?? DEFAULT_DATASET[cfg.format],
    identity: fileIdentity(cfg.app),
    startAt: cfg.start_at,
    maxLineBytes: cfg.max_line_bytes,
  };
  if (cfg.multiline) {
    group.multiline = {
      startPattern: new RegExp(cfg.multiline.start_pattern),
      negate: cfg.multiline.negate,
      timeoutMs: cfg.multiline.timeout_ms,
      maxLines: cfg.multiline.max_lines,
    };
  }
  return group;
}
