/**
 * Herald's own logs: pino, JSON on stdout, one child per component ({component, type}). Secrets are
 * Secret objects (they serialise as "[redacted]"); the redact list is a second belt for keys that might
 * carry credentials in error objects from client libraries.
 */
import pino, { type Logger } from 'pino';

export const REDACTED_LOG_KEYS = [
  'password', 'api_key', 'token', 'authorization', 'secret',
  '*.password', '*.api_key', '*.token', '*.authorization', '*.secret',
  'headers.authorization', '*.headers.authorization', 'meta.request.params.headers.authorization',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      name: 'herald',
      level,
      base: { pid: process.pid },
      redact: { paths: REDACTED_LOG_KEYS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
