/**
 * Watch groups: what the tail source is asked to follow. A group is one `logs.files[]` entry or (later) one
 * Mesos sandbox's files; groups are replaced as a whole at runtime (config reload, sandboxes coming and going):
 * `GroupList` holds a source's list and swaps a new one in. I/O-free.
 */
import { ErrorCode, HeraldError, errorMessage } from '../../errors';
import type { LineParser, LogFormat } from '../parse/contract';
import { createParser } from '../parse';
import type { Identity, LogOrigin } from '../../pipeline/records';
import { compileGlob, type CompiledGlob } from './glob';
import type { MultilineConfig } from './multiline';
import type { NativeGroupSpec, NativeLines, NativeParser } from '../../native/native-lines';

export interface WatchGroup {
  /** Stable key, e.g. "files[0]" or a sandbox path: a group with the same id across setGroups keeps its files. */
  id: string;
  /** Absolute globs. */
  include: string[];
  /** Absolute globs; a file matching one of them is not tailed. */
  exclude: string[];
  format: LogFormat;
  /** Default event.dataset of the group's events. */
  dataset: string;
  /** Shared by all records of the group's files. */
  identity: Identity;
  /**
   * Where to start in a file found by the group's first scan that has no stored offset. Files that appear
   * later are always read from 0, whatever this says: such a file was created after we started watching,
   * so everything in it is new, and its first lines (written before our scan noticed the file) must not be
   * lost.
   */
  startAt: 'beginning' | 'end';
  maxLineBytes: number;
  multiline?: MultilineConfig;
  /**
   * A parser factory of this group, used instead of the source's `parserFor(format)` (then `format` only
   * describes the group). Called once per compiled group, i.e. at every setGroups: sandbox streams use it
   * for their executor-line detection and `auto` format, which depend on the sandbox.
   */
  parser?: () => LineParser;
  /**
   * What the native line engine runs for this group's lines (src/native): by default the group's `format`,
   * unless it brings its own `parser` factory, whose native twin must then be named here (sandbox streams).
   */
  nativeParser?: NativeParser;
}

/** A group compiled for use: globs, parser and multiline pattern are built once, here. */
export class GroupRuntime {
  readonly include: CompiledGlob[];
  readonly exclude: CompiledGlob[];
  readonly parser: LineParser;
  readonly multiline: MultilineConfig | undefined;
  /** The native engine's settings for this group's files; undefined: they take the JavaScript path. */
  readonly native: NativeGroupSpec | undefined;
  /** Set once a complete scan has run with this group: later files are new and read from 0. */
  initialScanDone = false;
  removed = false;

  constructor(readonly spec: WatchGroup, parserFor: (format: LogFormat) => LineParser, readonly lines?: NativeLines) {
    try {
      this.include = spec.include.flatMap(compileGlob);
      this.exclude = spec.exclude.flatMap(compileGlob);
    } catch (err) {
      throw new HeraldError(ErrorCode.config, `tail group ${spec.id}: ${errorMessage(err)}`, { cause: err });
    }
    if (!Number.isSafeInteger(spec.maxLineBytes) || spec.maxLineBytes < 1) {
      throw new HeraldError(ErrorCode.config, `tail group ${spec.id}: maxLineBytes must be a positive integer`);
    }
    this.parser = spec.parser ? spec.parser() : parserFor(spec.format);
    const m = spec.multiline;
    // A global or sticky regex keeps state between test() calls: rebuild it without those flags.
    this.multiline = m && {
      ...m,
      startPattern: /[gy]/.test(m.startPattern.flags)
        ? new RegExp(m.startPattern.source, m.startPattern.flags.replace(/[gy]/g, ''))
        : m.startPattern,
      maxLines: Math.max(1, m.maxLines),
    };
    // The engine parses a format as createParser's parser does: a source with other parsers keeps JavaScript.
    const nativeParser = spec.nativeParser ?? (spec.parser === undefined && parserFor === createParser ? { parser: spec.format } : undefined);
    this.native = lines && nativeParser && lines.specFor(nativeParser, this.multiline, spec.identity.app);
  }

  get id(): string {
    return this.spec.id;
  }

  origin(path: string): LogOrigin {
    return { path, dataset: this.spec.dataset, identity: this.spec.identity };
  }
}

/**
 * Compile a full group list; throws a config error on duplicate ids or bad globs. `reuse` may return the
 * runtime already compiled for the very same WatchGroup object (not merely an equal one): a caller that
 * replaces thousands of groups to change a few (sandboxes) then compiles only those.
 */
export function compileGroups(
  groups: readonly WatchGroup[], parserFor: (format: LogFormat) => LineParser,
  reuse: (spec: WatchGroup) => GroupRuntime | undefined = () => undefined,
  lines?: NativeLines,
): GroupRuntime[] {
  const seen = new Set<string>();
  return groups.map((g) => {
    if (seen.has(g.id)) throw new HeraldError(ErrorCode.config, `tail group id ${JSON.stringify(g.id)} is used twice`);
    seen.add(g.id);
    return reuse(g) ?? new GroupRuntime(g, parserFor, lines);
  });
}

/**
 * A source's group list. `set` compiles a new list (from any caller, at any time); the reading loop makes it
 * current with `applyPending` between two steps, so a scan or a read never sees half a change.
 */
export class GroupList {
  private list: GroupRuntime[] = [];
  private pending: GroupRuntime[] | undefined;

  /** The groups in effect. */
  get current(): readonly GroupRuntime[] {
    return this.list;
  }

  /** Compile `groups` to be applied next (throws a config error); returns the compiled list. */
  set(groups: readonly WatchGroup[], parserFor: (format: LogFormat) => LineParser, lines?: NativeLines): GroupRuntime[] {
    // The same WatchGroup object as before keeps its compiled runtime (and its parser's state).
    const compiled = new Map<WatchGroup, GroupRuntime>();
    for (const g of this.list) compiled.set(g.spec, g);
    for (const g of this.pending ?? []) compiled.set(g.spec, g);
    this.pending = compileGroups(groups, parserFor, (spec) => compiled.get(spec), lines);
    return this.pending;
  }

  /**
   * Make the list set last current: a group whose id was listed before keeps `initialScanDone`, a group no
   * longer listed is marked removed. Returns the new groups by id, or undefined when nothing was pending.
   */
  applyPending(): Map<string, GroupRuntime> | undefined {
    const next = this.pending;
    if (!next) return undefined;
    this.pending = undefined;
    const byId = new Map(next.map((g) => [g.id, g]));
    for (const g of next) g.removed = false; // a reused runtime may have been removed by an earlier list
    for (const old of this.list) {
      const g = byId.get(old.id);
      if (g) g.initialScanDone = old.initialScanDone;
      else old.removed = true;
    }
    this.list = next;
    return byId;
  }
}
