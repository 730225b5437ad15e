/**
 * Line parsers by format. `createParser` is called once per configured file (or origin), never per line:
 * each parser owns its scratch state and time caches, so two files never share (or thrash) them.
 */
import { ErrorCode, HeraldError } from '../../errors';
import type { LineParser, LogFormat } from './contract';
import { GlogParser } from './glog';
import { HaproxyParser } from './haproxy';
import { JsonParser } from './json';
import { PlainParser } from './plain';
import { SyslogParser } from './syslog';

export type { LineParser, LogFormat } from './contract';

export function createParser(format: LogFormat): LineParser {
  switch (format) {
    case 'syslog': return new SyslogParser();
    case 'haproxy': return new HaproxyParser();
    case 'json': return new JsonParser();
    case 'glog': return new GlogParser();
    case 'plain': return new PlainParser();
    default: {
      const unknown: never = format;
      // Config validation rejects unknown formats; reaching this is a programming error, at creation time.
      throw new HeraldError(ErrorCode.config, `unknown log format: ${String(unknown)}`);
    }
  }
}
