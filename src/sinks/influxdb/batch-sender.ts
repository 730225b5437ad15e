/**
 * Sends a list of lines until each one is settled: written, or permanently refused by the server (dropped,
 * counted by reason), or given back to the caller (`remaining`) when `giveUp()` says so after a transient
 * failure. Used for live batches (give up after max_retry_time_ms, or when the disk buffer took over, or at
 * close) and for replaying the disk buffer (give up only at close).
 */
import type { Logger } from 'pino';
import type { Counter, Histogram } from 'prom-client';
import { sleep } from '../../pipeline/timing';
import { LogLimiter } from '../../observability/log-limiter';
import type { Backoff } from '../../net/retry';
import { retryDelayMs, type WriteResult } from './retry-policy';
import type { WriteClient } from './write-client';

export type DropReason = 'unparsable' | 'field_type_conflict' | 'too_large' | 'rejected';

export interface SendResult {
  written: number;
  dropped: number;
  dropReason: DropReason | undefined;
  /** Lines not settled because the caller gave up; empty when all were settled. */
  remaining: string[];
}

export interface SendControl {
  /** Asked after each transient failure (before and after the wait). */
  giveUp(): boolean;
  /** Aborts the wait between attempts (closing). */
  wake: AbortSignal;
  /** Aborts a request in flight (the close deadline passed). */
  abort: AbortSignal;
  /** 'live' or 'replay', for metrics and logs. */
  path: 'live' | 'replay';
}

export interface BatchSenderOptions {
  client: WriteClient;
  backoff: Backoff;
  logger: Logger;
  monotonic(): number;
  requestSeconds: Histogram<'result'>;
  droppedPoints: Counter<'reason'>;
}

export class BatchSender {
  readonly #o: BatchSenderOptions;
  readonly #limiter: LogLimiter;

  constructor(o: BatchSenderOptions) {
    this.#o = o;
    this.#limiter = new LogLimiter(10_000, () => o.monotonic());
  }

  async send(lines: string[], ctl: SendControl): Promise<SendResult> {
    const r: SendResult = { written: 0, dropped: 0, dropReason: undefined, remaining: [] };
    await this.#sendInto(lines, ctl, r);
    return r;
  }

  /** False when it gave up (the unsent lines are appended to r.remaining). */
  async #sendInto(lines: string[], ctl: SendControl, r: SendResult): Promise<boolean> {
    let pending = lines;
    let attempt = 0;
    while (pending.length > 0) {
      const res = await this.#request(pending, ctl.abort);
      if (res.kind === 'ok') {
        r.written += pending.length;
        return true;
      }
      if (res.kind === 'partial') {
        const dropped = Math.min(res.dropped, pending.length);
        this.#drop(r, dropped, 'field_type_conflict', res.message, ctl);
        r.written += pending.length - dropped;
        return true;
      }
      if (res.kind === 'rejected') {
        this.#drop(r, pending.length, 'rejected', `HTTP ${res.status}: ${res.message}`, ctl);
        return true;
      }
      if (res.kind === 'unparsable') {
        const keep = pending.filter((l) => !res.badLines.has(l));
        if (keep.length < pending.length) {
          // Nothing of the request was written: drop the named lines, send the rest again at once.
          this.#drop(r, pending.length - keep.length, 'unparsable', firstEntry(res.message), ctl);
          pending = keep;
          attempt = 0;
          continue;
        }
      }
      if (res.kind === 'unparsable' || res.kind === 'too_large') {
        // Too large, or bad lines the answer did not let us find: halve until each half is accepted or
        // one line is left (dropped). Costs about log2(n) requests per bad line.
        if (pending.length === 1) {
          this.#drop(r, 1, res.kind === 'too_large' ? 'too_large' : 'unparsable', firstEntry(res.message), ctl);
          return true;
        }
        const mid = pending.length >> 1;
        const rest = pending.slice(mid);
        if (!(await this.#sendInto(pending.slice(0, mid), ctl, r))) {
          r.remaining.push(...rest);
          return false;
        }
        return this.#sendInto(rest, ctl, r);
      }
      if (res.kind !== 'transient') return true; // exhaustive above; keeps the compiler honest
      attempt++;
      const delay = retryDelayMs(this.#o.backoff, attempt, res.retryAfterMs);
      const quiet = this.#limiter.allow(`transient:${ctl.path}`);
      if (quiet >= 0) {
        this.#o.logger.warn(
          { path: ctl.path, status: res.status, err: res.message, retryInMs: delay, attempt, suppressed: quiet },
          'influxdb write failed; retrying',
        );
      }
      if (ctl.giveUp()) break;
      await sleep(delay, ctl.wake);
      if (ctl.giveUp()) break;
    }
    r.remaining.push(...pending);
    return pending.length === 0;
  }

  async #request(lines: string[], abort: AbortSignal): Promise<WriteResult> {
    const started = this.#o.monotonic();
    const res = await this.#o.client.write(lines.join('\n'), abort);
    this.#o.requestSeconds.observe({ result: res.kind }, (this.#o.monotonic() - started) / 1000);
    return res;
  }

  #drop(r: SendResult, n: number, reason: DropReason, message: string, ctl: SendControl): void {
    if (n <= 0) return;
    r.dropped += n;
    r.dropReason ??= reason;
    this.#o.droppedPoints.inc({ reason }, n);
    const quiet = this.#limiter.allow(`drop:${reason}`);
    // The server's message quotes the refused line, which may hold customer data: log it only at debug.
    if (quiet >= 0) this.#o.logger.error({ path: ctl.path, reason, points: n, suppressed: quiet }, 'influxdb refused points; dropped');
    this.#o.logger.debug({ path: ctl.path, reason, err: message }, 'influxdb refusal');
  }
}

function firstEntry(message: string): string {
  const nl = message.indexOf('\n');
  return (nl < 0 ? message : message.slice(0, nl)).slice(0, 500);
}
