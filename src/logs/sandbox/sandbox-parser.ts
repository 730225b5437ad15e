/**
 * The line parser of one sandbox watch group: Mesos' own lines first (executor-lines.ts), then the
 * configured format. Created once per group (WatchGroup.parser), so its state (the executor's process-tree
 * printout, the glog/JSON parsers' time caches) belongs to one sandbox stream.
 *
 * Formats:
 * - auto: a line starting with "{" is parsed as JSON; when it is not valid JSON it is shipped as plain text
 *   without the parse_failure flag (auto promised nothing). Every other line is plain text.
 * - json / glog: as in logs.files; a line that does not parse is flagged parse_failure.
 * - plain: the line as read.
 * Executor lines get event.dataset `mesos.executor` and log.logger (`mesos-executor`, `mesos-fetcher`,
 * `mesos-containerizer`); glog ones also their level, timestamp, log.origin.file and process.thread.id.
 */
import type { LogEvent } from '../../pipeline/records';
import type { LineParser, LogFormat } from '../parse/contract';
import { attachFields } from '../parse/fields';
import { GlogParser } from '../parse/glog';
import { JsonParser } from '../parse/json';
import { EXECUTOR_GLOG_FILES, GLOG_BANNER, StdoutPhrases, glogSourceFile } from './executor-lines';
import type { SandboxFormat } from './config';

export const SANDBOX_DATASET = 'mesos.sandbox';
export const EXECUTOR_DATASET = 'mesos.executor';

/** Which executor-line rule applies to a group: run stdout, any stderr, or none (extra files). */
export type ExecutorRule = 'stdout' | 'stderr' | 'none';

export interface SandboxParserOptions {
  readonly format: SandboxFormat;
  readonly executorRule: ExecutorRule;
  /** Ids that "Starting task <id>" may name (the run's task ids and executor id); stdout rule only. */
  readonly taskIds: ReadonlySet<string>;
}

/** The LogFormat a sandbox format is declared as on its WatchGroup (informational: the group has its own parser). */
export function declaredFormat(format: SandboxFormat): LogFormat {
  return format === 'auto' ? 'plain' : format;
}

function tagExecutor(event: LogEvent, logger: string): void {
  event.dataset = EXECUTOR_DATASET;
  event.parsedLine = undefined; // log.logger is not cut from the line (token-fields.ts)
  const fields = event.fields;
  const log = fields?.['log'];
  if (log !== undefined && log !== null && typeof log === 'object') (log as Record<string, unknown>)['logger'] = logger;
  else attachFields(event, { log: { logger } });
}

export class SandboxLineParser implements LineParser {
  readonly format: LogFormat;
  private readonly mode: SandboxFormat;
  private readonly rule: ExecutorRule;
  private readonly phrases: StdoutPhrases | undefined;
  private readonly glog = new GlogParser();
  private readonly json = new JsonParser();

  constructor(opts: SandboxParserOptions) {
    this.mode = opts.format;
    this.format = declaredFormat(opts.format);
    this.rule = opts.executorRule;
    this.phrases = opts.executorRule === 'stdout' ? new StdoutPhrases(opts.taskIds) : undefined;
  }

  parse(event: LogEvent, nowMs: number): string | undefined {
    const s = event.message;
    if (this.phrases !== undefined && this.phrases.matches(s)) {
      tagExecutor(event, 'mesos-executor');
      return undefined;
    }
    if (this.rule === 'stderr') {
      const file = glogSourceFile(s);
      const logger = file === undefined ? undefined : EXECUTOR_GLOG_FILES.get(file);
      if (logger !== undefined && this.glog.parse(event, nowMs) === undefined) {
        tagExecutor(event, logger);
        return undefined;
      }
      if (s === GLOG_BANNER) {
        event.level = 'warning';
        tagExecutor(event, 'glog');
        return undefined;
      }
    }
    switch (this.mode) {
      case 'auto':
        if (s.charCodeAt(0) === 123 /* { */) this.json.parse(event, nowMs); // not JSON after all: plain text
        return undefined;
      case 'json':
        return this.json.parse(event, nowMs);
      case 'glog':
        return this.glog.parse(event, nowMs);
      case 'plain':
        return undefined;
    }
  }
}
