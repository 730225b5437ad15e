/**
 * What the runner passes to every component it creates: a child logger, Herald's own metrics registry,
 * the clock (injectable in tests) and the state directory. Components never reach for globals.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export interface Clock {
  /** Wall-clock ms since the epoch (timestamps of records). */
  now(): number;
  /** Monotonic ms (intervals, timeouts, token buckets). */
  monotonic(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

export interface ComponentContext {
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly clock: Clock;
  /** Host path for offsets, buffers and the embedded output; survives restarts and redeploys. */
  readonly stateDir: string;
  /** The node's name, as it appears in host.name and the `host` tag. */
  readonly hostname: string;
}
