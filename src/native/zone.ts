/**
 * The process's local time zone as the native engine uses it: one UTC offset and the period around now in
 * which it holds (between two changes of the offset, daylight saving or otherwise). Local times that fall
 * outside the period (or within a day of its edges) are not converted natively: those lines take the
 * JavaScript path, which asks `Date` (native/src/time.rs). Without any change within a year either side, the
 * period is those two years.
 */
export interface Zone {
  /** Local time minus UTC, in ms, for instants in [fromMs, toMs). */
  readonly offsetMs: number;
  readonly fromMs: number;
  readonly toMs: number;
}

const DAY_MS = 86_400_000;
const SPAN_DAYS = 366;

/** Local minus UTC at an instant, in ms. */
export function offsetAt(ms: number): number {
  return -new Date(ms).getTimezoneOffset() * 60_000;
}

/** The first instant in (lo, hi] whose offset is not `offset`, given that hi's is not (bisection). */
function changeAfter(lo: number, hi: number, offset: number): number {
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(mid) === offset) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** The offset at `nowMs` and the period around it in which it holds (at most a year either side). */
export function zoneAround(nowMs: number): Zone {
  const offsetMs = offsetAt(nowMs);
  let toMs = nowMs + SPAN_DAYS * DAY_MS;
  for (let d = 1; d <= SPAN_DAYS; d++) {
    const t = nowMs + d * DAY_MS;
    if (offsetAt(t) !== offsetMs) {
      toMs = changeAfter(t - DAY_MS, t, offsetMs);
      break;
    }
  }
  let fromMs = nowMs - SPAN_DAYS * DAY_MS;
  for (let d = 1; d <= SPAN_DAYS; d++) {
    const t = nowMs - d * DAY_MS;
    if (offsetAt(t) !== offsetMs) {
      // The last instant with another offset is t..t+DAY: the period starts right after it.
      let lo = t;
      let hi = t + DAY_MS;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetAt(mid) === offsetMs) hi = mid;
        else lo = mid;
      }
      fromMs = hi;
      break;
    }
  }
  return { offsetMs, fromMs, toMs };
}

/** Whether `zone` still describes instants around `nowMs` (with a day's margin, as the engine needs). */
export function zoneCovers(zone: Zone, nowMs: number): boolean {
  return nowMs >= zone.fromMs + DAY_MS && nowMs < zone.toMs - DAY_MS;
}
