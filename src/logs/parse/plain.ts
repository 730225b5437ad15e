/**
 * The `plain` line format: the line is the message, as read. Never fails, changes nothing; it exists so every
 * configured file has a parser and the pipeline needs no special case for unparsed formats.
 */
import type { LogEvent } from '../../pipeline/records';
import type { LineParser } from './contract';

export class PlainParser implements LineParser {
  readonly format = 'plain' as const;

  parse(_event: LogEvent, _nowMs: number): string | undefined {
    return undefined;
  }
}
