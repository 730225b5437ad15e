/**
 * Durations and sizes in the config: keys end in their unit (`flush_interval_ms`, `max_line_bytes`) and take
 * either a plain non-negative integer in that unit or a string with an explicit unit ("10s", "64KiB").
 */
import { z } from 'zod';

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Record<string, number> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3,
};

export function parseDurationMs(input: number | string): number | undefined {
  if (typeof input === 'number') return Number.isSafeInteger(input) && input >= 0 ? input : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(input);
  if (!m) return /^\s*\d+\s*$/.test(input) ? Number(input) : undefined;
  const ms = Number(m[1]) * (DURATION_UNITS_MS[m[2] as string] as number);
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}

export function parseSizeBytes(input: number | string): number | undefined {
  if (typeof input === 'number') return Number.isSafeInteger(input) && input >= 0 ? input : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b|b)?\s*$/i.exec(input);
  if (!m) return undefined;
  const bytes = Number(m[1]) * (SIZE_UNITS[(m[2] ?? 'b').toLowerCase()] as number);
  return Number.isSafeInteger(Math.round(bytes)) ? Math.round(bytes) : undefined;
}

/** A duration in ms: `500`, `"500ms"`, `"10s"`, `"5m"`, `"1h"`. */
export function durationMs(description: string) {
  return z
    .union([z.number(), z.string()])
    .transform((v, ctx) => {
      const ms = parseDurationMs(v);
      if (ms === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a duration like 500, "500ms", "10s" or "5m", got ${JSON.stringify(v)}`,
        });
        return z.NEVER;
      }
      return ms;
    })
    .describe(description);
}

/** A size in bytes: `65536`, `"64KiB"`, `"5MB"`, `"1GiB"`. */
export function sizeBytes(description: string) {
  return z
    .union([z.number(), z.string()])
    .transform((v, ctx) => {
      const bytes = parseSizeBytes(v);
      if (bytes === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a size like 65536, "64KiB" or "5MB", got ${JSON.stringify(v)}`,
        });
        return z.NEVER;
      }
      return bytes;
    })
    .describe(description);
}
