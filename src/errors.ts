/** Errors Herald throws carry a stable code; every code is documented in README.md (a test checks it). */
export const ErrorCode = {
  config: 'HERALD_E_CONFIG',
  sinkTransient: 'HERALD_E_SINK_TRANSIENT',
  sinkPermanent: 'HERALD_E_SINK_PERMANENT',
  sinkClosed: 'HERALD_E_SINK_CLOSED',
  parse: 'HERALD_E_PARSE',
  source: 'HERALD_E_SOURCE',
  state: 'HERALD_E_STATE',
  registry: 'HERALD_E_REGISTRY',
  mesosAgent: 'HERALD_E_MESOS_AGENT',
  scrape: 'HERALD_E_SCRAPE',
  redact: 'HERALD_E_REDACT',
} as const;
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

export class HeraldError extends Error {
  readonly code: ErrorCodeValue;
  constructor(code: ErrorCodeValue, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HeraldError';
    this.code = code;
  }
}

/** A message safe to log from any thrown value (never the value of a secret: callers pass messages, not configs). */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
