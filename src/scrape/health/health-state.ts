/**
 * Up/down state of health-checked targets. A change of state becomes a log event (event.dataset
 * `herald.health`; warn when a target goes down, info when it recovers); the first observation of a target
 * sets its state silently, so a restart of Herald does not announce every target as "recovered".
 */
import { makeLogEvent, type LogEvent, type LogOrigin } from '../../pipeline/records';
import { safeUrl, type Target } from '../targets/target';

export const HEALTH_DATASET = 'herald.health';

export class HealthStates {
  readonly #up = new Map<string, boolean>();
  readonly #origins = new Map<string, LogOrigin>();

  /** Record an observation; returns the event when the state changed. */
  observe(target: Target, up: boolean, reason: string | undefined, nowMs: number): LogEvent | undefined {
    const previous = this.#up.get(target.key);
    this.#up.set(target.key, up);
    if (previous === undefined || previous === up) return undefined;
    const url = safeUrl(target.url);
    const message = up
      ? `health check ${target.name} (${url}) is up again`
      : `health check ${target.name} (${url}) is down: ${reason ?? 'unknown reason'}`;
    const event = makeLogEvent(this.#origin(target, url), message, 0, Buffer.byteLength(message), 0, nowMs);
    event.level = up ? 'info' : 'warn';
    event.fields = {
      url: { original: url },
      herald: { health: { target: target.name, check: target.format, state: up ? 'up' : 'down', previous_state: previous ? 'up' : 'down' } },
    };
    if (!up) event.error = reason;
    return event;
  }

  state(key: string): boolean | undefined {
    return this.#up.get(key);
  }

  /** Forget targets that are gone (a task that comes back starts fresh). */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.#up.keys()) {
      if (!keys.has(key)) {
        this.#up.delete(key);
        this.#origins.delete(key);
      }
    }
  }

  #origin(target: Target, url: string): LogOrigin {
    let origin = this.#origins.get(target.key);
    if (origin === undefined || origin.identity !== target.identity) {
      origin = { path: url, dataset: HEALTH_DATASET, identity: target.identity };
      this.#origins.set(target.key, origin);
    }
    return origin;
  }
}
