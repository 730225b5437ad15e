/** Test doubles for the component context: a silent (or capturing) logger, a fresh registry, a fake clock. */
import pino, { type Logger } from 'pino';
import { Writable } from 'node:stream';
import type { Clock, ComponentContext } from '../../src/pipeline/context';
import { createRegistry } from '../../src/observability/metrics';

export class FakeClock implements Clock {
  constructor(public wallMs = Date.UTC(2026, 10, 21, 12, 0, 0), public monoMs = 1_000) {}
  now(): number {
    return this.wallMs;
  }
  monotonic(): number {
    return this.monoMs;
  }
  advance(ms: number): void {
    this.wallMs += ms;
    this.monoMs += ms;
  }
}

/** A logger whose JSON lines are kept in `lines` (to assert what Herald's own logs say, and do not say). */
export function capturingLogger(level = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
      cb();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

export function testContext(stateDir: string, over: Partial<ComponentContext> = {}): ComponentContext {
  return {
    logger: pino({ level: 'silent' }),
    metrics: createRegistry(false),
    clock: new FakeClock(),
    stateDir,
    hostname: 'node-1.test',
    ...over,
  };
}
