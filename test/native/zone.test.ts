/** The local time zone as the native engine gets it: one offset and the period in which it holds. */
import t from 'tap';
import { zoneAround } from '../../src/native/zone';

/** zoneAround() with the process in time zone `tz` (Node.js applies a change of process.env.TZ at once). */
function zoneIn(tz: string, nowMs: number): ReturnType<typeof zoneAround> {
  const before = process.env['TZ'];
  process.env['TZ'] = tz;
  try {
    return zoneAround(nowMs);
  } finally {
    if (before === undefined) delete process.env['TZ'];
    else process.env['TZ'] = before;
  }
}

void t.test('a zone with daylight saving: the period between the two changes around now', async (t) => {
  const now = Date.UTC(2026, 10, 21, 12);
  const z = zoneIn('Europe/Berlin', now);
  t.equal(z.offsetMs, 3_600_000, 'CET');
  t.equal(new Date(z.fromMs).toISOString(), '2026-10-25T01:00:00.000Z', 'from the end of summer time');
  t.equal(new Date(z.toMs).toISOString(), '2027-03-28T01:00:00.000Z', 'to the start of the next');
  const ny = zoneIn('America/New_York', Date.UTC(2026, 6, 1));
  t.equal(ny.offsetMs, -4 * 3_600_000, 'EDT');
  t.equal(new Date(ny.fromMs).toISOString(), '2026-03-08T07:00:00.000Z');
  t.equal(new Date(ny.toMs).toISOString(), '2026-11-01T06:00:00.000Z');
});

void t.test('UTC: a year either side', async (t) => {
  const now = Date.UTC(2026, 10, 21, 12);
  const z = zoneIn('UTC', now);
  t.equal(z.offsetMs, 0);
  t.equal(z.toMs - now, 366 * 86_400_000);
  t.equal(now - z.fromMs, 366 * 86_400_000);
});
