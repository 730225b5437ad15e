/**
 * Resolves the limits of an app: `defaults`, then its task labels (when `label_overrides.enabled`), then the
 * `overrides` entry matching its key (exact id first, else the first matching glob): each setting is taken
 * from the last of these that sets it. Results are cached per key, and per Identity object when labels
 * count (an Identity is shared by every record of a file, so resolution happens once per file, not per record).
 */
import { parseSizeBytes } from '../config/units';
import { MAX_BURST_BYTES, MAX_BURST_LINES, MAX_BYTES_PER_SEC, MAX_LINES_PER_SEC, type QosConfig, type QosOverrideConfig } from './config';
import type { BucketLimits } from './token-bucket';
import type { Identity } from '../pipeline/records';
import { appGlob, isAppGlob } from '../pipeline/app-glob';

export interface AppLimits extends BucketLimits {
  /** Index of the priority class (NodeCeiling.classes). */
  readonly priority: number;
  /** Distinct metric series accepted per window. */
  readonly seriesPerWindow: number;
}

/** The label settings of one app that were present and valid. */
interface LabelValues {
  lines_per_sec?: number;
  burst_lines?: number;
  bytes_per_sec?: number;
  burst_bytes?: number;
  priority?: string;
}

export const LABEL_SETTINGS = ['lines_per_sec', 'burst_lines', 'bytes_per_sec', 'burst_bytes', 'priority'] as const;
export type LabelSetting = (typeof LABEL_SETTINGS)[number];

// Bound on the per-key cache: keys beyond it are resolved again (cheap) rather than kept forever.
const KEY_CACHE_MAX = 50_000;

export class LimitResolver {
  readonly #cfg: QosConfig;
  readonly #classes: readonly string[];
  readonly #exact = new Map<string, QosOverrideConfig>();
  readonly #globs: { re: RegExp; o: QosOverrideConfig }[] = [];
  readonly #byKey = new Map<string, AppLimits>();
  readonly #byIdentity = new WeakMap<Identity, AppLimits>();
  readonly #onLabelError: (setting: LabelSetting, app: string) => void;

  constructor(cfg: QosConfig, classes: readonly string[], onLabelError: (setting: LabelSetting, app: string) => void) {
    this.#cfg = cfg;
    this.#classes = classes;
    this.#onLabelError = onLabelError;
    for (const o of cfg.overrides) {
      if (isAppGlob(o.app)) this.#globs.push({ re: appGlob(o.app), o });
      else if (!this.#exact.has(o.app)) this.#exact.set(o.app, o);
    }
  }

  get labelsEnabled(): boolean {
    return this.#cfg.label_overrides.enabled;
  }

  override(key: string): QosOverrideConfig | undefined {
    const exact = this.#exact.get(key);
    if (exact !== undefined) return exact;
    for (const g of this.#globs) if (g.re.test(key)) return g.o;
    return undefined;
  }

  /** Limits from the config file alone (defaults + overrides). */
  forKey(key: string): AppLimits {
    let limits = this.#byKey.get(key);
    if (limits === undefined) {
      limits = this.#resolve(key, undefined);
      if (this.#byKey.size >= KEY_CACHE_MAX) this.#byKey.clear();
      this.#byKey.set(key, limits);
    }
    return limits;
  }

  /** Limits of an app whose records carry `identity` (labels count when enabled). */
  forIdentity(key: string, identity: Identity): AppLimits {
    if (!this.#cfg.label_overrides.enabled) return this.forKey(key);
    let limits = this.#byIdentity.get(identity);
    if (limits === undefined) {
      limits = this.#resolve(key, identity.labels);
      this.#byIdentity.set(identity, limits);
    }
    return limits;
  }

  #resolve(key: string, labels: Readonly<Record<string, string>> | undefined): AppLimits {
    const d = this.#cfg.defaults;
    const m = this.#cfg.metrics;
    let linesPerSec = d.lines_per_sec;
    let burstLines = d.burst_lines;
    let bytesPerSec = d.bytes_per_sec;
    let burstBytes = d.burst_bytes;
    let priority = this.#cfg.default_priority;
    if (labels !== undefined) {
      const l = this.#labels(key, labels);
      linesPerSec = l.lines_per_sec ?? linesPerSec;
      burstLines = l.burst_lines ?? burstLines;
      bytesPerSec = l.bytes_per_sec ?? bytesPerSec;
      burstBytes = l.burst_bytes ?? burstBytes;
      priority = l.priority ?? priority;
    }
    const o = this.override(key);
    return {
      linesPerSec: o?.lines_per_sec ?? linesPerSec,
      burstLines: o?.burst_lines ?? burstLines,
      bytesPerSec: o?.bytes_per_sec ?? bytesPerSec,
      burstBytes: o?.burst_bytes ?? burstBytes,
      priority: Math.max(0, this.#classes.indexOf(o?.priority ?? priority)),
      seriesPerWindow: o?.series_per_app ?? m.series_per_app,
    };
  }

  /** The valid label settings of an app; each invalid one is reported and ignored. */
  #labels(key: string, labels: Readonly<Record<string, string>>): LabelValues {
    const lo = this.#cfg.label_overrides;
    const out: LabelValues = {};
    const int = (setting: 'lines_per_sec' | 'burst_lines', min: number, max: number, clamp: number) => {
      const raw = labels[lo[setting]];
      if (raw === undefined) return;
      const n = /^\s*\d{1,15}\s*$/.test(raw) ? Number(raw) : NaN;
      if (!(n >= min && n <= max)) return this.#onLabelError(setting, key);
      out[setting] = clamp > 0 && (n === 0 || n > clamp) ? clamp : n;
    };
    const size = (setting: 'bytes_per_sec' | 'burst_bytes', min: number, max: number, clamp: number) => {
      const raw = labels[lo[setting]];
      if (raw === undefined) return;
      const n = parseSizeBytes(raw) ?? NaN;
      if (!(n >= min && n <= max)) return this.#onLabelError(setting, key);
      out[setting] = clamp > 0 && (n === 0 || n > clamp) ? clamp : n;
    };
    int('lines_per_sec', 0, MAX_LINES_PER_SEC, lo.max_lines_per_sec);
    int('burst_lines', 1, MAX_BURST_LINES, 0);
    size('bytes_per_sec', 0, MAX_BYTES_PER_SEC, lo.max_bytes_per_sec);
    size('burst_bytes', 1, MAX_BURST_BYTES, 0);
    const p = labels[lo.priority];
    if (p !== undefined) {
      const name = p.trim();
      if (lo.allowed_priorities.includes(name) && this.#classes.includes(name)) out.priority = name;
      else this.#onLabelError('priority', key);
    }
    return out;
  }
}
