/**
 * Loads the native line engine (native/, a Rust N-API addon built by scripts/build-native.sh into
 * native/build/herald_native.node). Herald runs without it: every caller checks `nativeBinding()` and takes
 * the JavaScript path when it is undefined. `HERALD_NATIVE=off` in the environment never loads it (A/B
 * benchmarks, tests of the JavaScript path).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../errors';

/** The engine's constructor options (native/src/binding.rs, EngineConfig). */
export interface EngineConfig {
  parser: string;
  /** Sandbox streams: the `auto|json|glog|plain` mode, the executor rule and the run's task ids. */
  sandboxMode?: string;
  executorRule?: string;
  taskIds?: string[];
  maxLineBytes: number;
  multiline: { pattern: string; negate: boolean; timeoutMs: number; maxLines: number } | null;
  gate: object | null;
  zone: { offsetMs: number; fromMs: number; toMs: number };
  logHead: Buffer;
  tail: Buffer;
  tailExecutor: Buffer;
}

/** One tailed file's engine (native/src/binding.rs, LineEngine). */
export interface LineEngine {
  setOrigin(logHead: Buffer, tail: Buffer, tailExecutor: Buffer): void;
  setMaxLineBytes(n: number): void;
  setMultiline(cfg: EngineConfig['multiline']): void;
  /** False when there is no native parser for the format: every event then falls back to JavaScript. */
  setParser(cfg: EngineConfig): boolean;
  scan(input: Buffer, n: number, pos: number, final: boolean, out: Buffer, state: Float64Array, meta: Float64Array): void;
  flush(out: Buffer, state: Float64Array, meta: Float64Array): void;
  expired(nowMonoMs: number): boolean;
  reset(): void;
}

export interface NativeBinding {
  LineEngine: new (cfg: EngineConfig) => LineEngine;
  /**
   * The kept documents `cursor[0]..to` of a block, each after `head`, into `dst` from `cursor[1]`, while their
   * timestamps are in [dayLo, dayHi); item offsets from `cursor[2]` (native/src/items.rs). `cursor` is updated.
   * Returns 0 (done), 1 (the next kept document is of another day) or 2 (no room in `dst` or `offsets`).
   */
  writeItems(
    src: Buffer, docs: Float64Array, dropped: Uint8Array | undefined, to: number, head: Buffer, dayLo: number, dayHi: number,
    dst: Buffer, offsets: Float64Array | undefined, cursor: Float64Array,
  ): number;
  engineVersion(): string;
}

/** Where the build script puts the addon, from src/native or dist/native alike. */
export const ADDON_PATH = join(__dirname, '..', '..', 'native', 'build', 'herald_native.node');

let loaded: { binding: NativeBinding | undefined; reason: string } | undefined;

function load(): { binding: NativeBinding | undefined; reason: string } {
  if (process.env['HERALD_NATIVE'] === 'off') return { binding: undefined, reason: 'HERALD_NATIVE=off' };
  if (!existsSync(ADDON_PATH)) return { binding: undefined, reason: `not built (${ADDON_PATH}; run scripts/build-native.sh, which needs cargo)` };
  try {
    const mod = { exports: {} as NativeBinding };
    process.dlopen(mod, ADDON_PATH);
    const b = mod.exports;
    if (typeof b.LineEngine !== 'function' || typeof b.writeItems !== 'function' || typeof b.engineVersion !== 'function') return { binding: undefined, reason: `${ADDON_PATH} is not Herald's line engine` };
    return { binding: b, reason: `loaded ${ADDON_PATH} (engine ${b.engineVersion()})` };
  } catch (err) {
    return { binding: undefined, reason: `cannot load ${ADDON_PATH}: ${errorMessage(err)}` };
  }
}

/** The loaded addon, or undefined (see `nativeStatus` for why). Loaded once. */
export function nativeBinding(): NativeBinding | undefined {
  loaded ??= load();
  return loaded.binding;
}

/** Why the addon is or is not in use, for Herald's start-up log line. */
export function nativeStatus(): string {
  loaded ??= load();
  return loaded.reason;
}
