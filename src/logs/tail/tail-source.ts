/**
 * TailSource: follows the files matched by a set of watch groups and yields their lines as log events.
 *
 * - Pull-driven: nothing is read until the consumer asks for the next batch, and one batch is read at a
 *   time, so a slow sink slows reading (the file is the buffer). When nothing is readable the source waits
 *   for a file-system event, the poll tick (`pollIntervalMs`, files appended without an event), a multiline
 *   timeout or the next rescan; it never spins.
 * - A batch holds lines of one file; files take turns (round-robin) so a busy file cannot starve the others.
 *   A batch ends at batchMaxRecords, batchMaxBytes, at the end of the file's data (it is yielded at once:
 *   sinks own batching), or after batchMaxWaitMs of reading (slow disks, huge lines).
 * - At-least-once: the checkpoint of a batch is the file's identity and the offset after its last complete
 *   line; positions reach the offsets file only through commit() (after the sinks acknowledged) or as the
 *   start position of a newly found file. Lines held by the multiline joiner are never covered.
 * - Files are found by expanding the groups' globs: at start, every rescanIntervalMs, and soon after
 *   chokidar reports a change in a watched directory (timing: tail-schedule.ts; group changes: groups.ts).
 *   Rotation and copy policies: file-table.ts, copy-tracker.ts. Settings and defaults: tail-options.ts.
 */
import type { Batch, Source } from '../../pipeline/contracts';
import type { LogRecord } from '../../pipeline/records';
import { ErrorCode, HeraldError, errorMessage } from '../../errors';
import { isTailCheckpoint } from './file-reader';
import { FileTable, type ScanHit } from './file-table';
import { expandGlobs, matchesAny } from './glob';
import { GroupList, type WatchGroup } from './groups';
import { OffsetStore } from './offsets';
import { ReadScheduler } from './read-scheduler';
import { TailMetrics } from './tail-metrics';
import { engineSettings, type TailSourceOptions } from './tail-options';
import { TailSchedule } from './tail-schedule';
import { DirWatcher, watchTargets, type FsEvent } from './watcher';
import { Waker } from './waker';
import { RateLimitedLog } from '../../observability/log-limiter';

export type { WatchGroup } from './groups';
export type { TailCheckpoint } from './file-reader';
export type { TailSourceOptions } from './tail-options';

export class TailSource implements Source<LogRecord> {
  readonly name: string;
  private readonly opts: TailSourceOptions;
  private readonly metrics: TailMetrics;
  private readonly table: FileTable;
  private readonly reader: ReadScheduler;
  private readonly store: OffsetStore;
  private readonly watcher: DirWatcher;
  private readonly waker = new Waker();
  private readonly abort = new AbortController();
  private readonly schedule: TailSchedule;
  private readonly closeInactiveMs: number;
  private readonly groups = new GroupList();
  private started: Promise<void> | undefined;
  private loaded = false;
  private firstScanDone = false;
  private unyielded: Batch<LogRecord> | undefined;
  private generating = false;
  private current: Promise<unknown> | undefined;
  private closing: Promise<void> | undefined;
  /** Repeated problems (a path that cannot be scanned or opened) are logged once an hour; metrics count each. */
  private readonly warnings: RateLimitedLog;

  constructor(opts: TailSourceOptions) {
    this.name = opts.name;
    this.warnings = new RateLimitedLog(opts.context.logger.child({ source: opts.name }), 3_600_000, () => opts.context.clock.monotonic());
    this.opts = opts;
    const settings = engineSettings(opts);
    this.schedule = new TailSchedule(settings.pollIntervalMs, opts.rescanIntervalMs);
    this.closeInactiveMs = settings.closeInactiveMs;
    const { context } = opts;
    this.metrics = new TailMetrics(context.metrics, opts.name);
    this.table = new FileTable({
      scratch: () => this.reader.scratch,
      buf: () => this.reader.buf,
      metrics: this.metrics,
      logger: context.logger,
      warnOnce: (key, fields, msg) => this.warnOnce(key, fields, msg),
      nowMs: () => context.clock.now(),
      retainMissingMs: settings.retainMissingMs,
      ghostTtlMs: settings.ghostTtlMs,
      reserveOpen: () => this.reader.reserveOpen(),
      releaseOpen: () => this.reader.releaseOpen(),
    });
    this.reader = new ReadScheduler(
      this.table, this.metrics, context.clock,
      { maxRecords: opts.batchMaxRecords, maxBytes: opts.batchMaxBytes, maxWaitMs: opts.batchMaxWaitMs },
      settings.maxOpenFiles,
      { requestScan: () => this.schedule.requestScan(), warnOnce: (key, fields, msg) => this.warnOnce(key, fields, msg) },
    );
    this.store = new OffsetStore({
      stateDir: context.stateDir,
      sourceName: opts.name,
      snapshot: () => this.table.snapshot(),
      truncations: () => this.table.snapshotTruncated(),
      logger: context.logger,
      onWriteError: () => this.metrics.offsetWriteErrors.inc(),
      nowMs: () => context.clock.now(),
      minIntervalMs: settings.offsetsWriteIntervalMs,
    });
    this.watcher = new DirWatcher((event, p) => this.onFsEvent(event, p), context.logger);
    this.setGroups(opts.groups);
  }

  /**
   * Replace the groups (config reload, sandboxes appearing/disappearing); applied by the reading loop.
   * A group with a known id keeps its files and offsets (new identity/format apply to the next events);
   * the files of a removed group are drained to their end, then released. Throws a config error on bad globs.
   */
  setGroups(groups: WatchGroup[]): void {
    const pending = this.groups.set(groups, this.opts.parserFor, this.opts.nativeLines);
    this.reader.ensureBuffer(this.opts.readChunkBytes, Math.max(0, ...pending.map((g) => g.spec.maxLineBytes)));
    this.schedule.requestScan();
    this.waker.wake();
  }

  async *batches(signal: AbortSignal): AsyncGenerator<Batch<LogRecord>> {
    if (this.generating) throw new HeraldError(ErrorCode.source, `${this.name}: batches() is already being iterated`);
    this.generating = true;
    const stop = AbortSignal.any([signal, this.abort.signal]);
    const onAbort = () => this.waker.wake();
    stop.addEventListener('abort', onAbort);
    try {
      while (!stop.aborted) {
        let batch = this.unyielded;
        this.unyielded = undefined;
        if (!batch) {
          const step = this.step(stop);
          this.current = step;
          try {
            batch = await step;
          } finally {
            this.current = undefined;
          }
        }
        if (!batch) continue;
        if (stop.aborted) {
          this.unyielded = batch; // read but not handed out: first in line if iterated again
          break;
        }
        yield batch;
      }
    } finally {
      stop.removeEventListener('abort', onAbort);
      this.generating = false;
    }
  }

  /**
   * Record a position the sinks acknowledged and request an offsets write (coalesced: one in flight, one more
   * with the latest state). Resolves once recorded, without waiting for the write: the runner commits the
   * checkpoints one after the other, so waiting would cost a full write (two fsyncs) per batch, defeat the
   * coalescing, and let the written positions fall ever further behind what the sinks acknowledged (a crash
   * would then read all of that again). `flush()` waits for the write; `close()` writes the last state.
   */
  commit(checkpoint: unknown): Promise<void> {
    if (!isTailCheckpoint(checkpoint)) {
      this.opts.context.logger.warn({ source: this.name }, 'ignored a checkpoint that is not a tail checkpoint');
      return Promise.resolve();
    }
    const f = this.table.files.get(checkpoint.key);
    if (f) f.committed = { fpLen: checkpoint.fpLen, fpHash: checkpoint.fpHash, offset: checkpoint.offset };
    this.table.commitCopies(checkpoint);
    if (this.loaded) void this.store.request(); // never rejects; errors are logged and counted
    return Promise.resolve();
  }

  /** Resolves once the offsets file holds every position committed so far. */
  async flush(): Promise<void> {
    if (this.loaded) await this.store.flush();
  }

  /** Stop watching, close every file, write the committed positions. Safe to call twice or unstarted. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.abort.abort();
      this.waker.wake();
      await this.current?.catch(() => undefined);
      await this.watcher.close();
      for (const f of this.table.files.values()) await this.reader.closeFile(f);
      if (this.loaded) await this.store.writeNow();
    })();
    return this.closing;
  }

  /**
   * Load the offsets file (once; reading does it too) and return the ids of the groups that had stored
   * positions in it: a caller adding groups at runtime (sandboxes) can tell which ones Herald tailed before.
   */
  async storedGroupIds(): Promise<ReadonlySet<string>> {
    await this.load();
    return this.table.storedGroupIds();
  }

  private load(): Promise<void> {
    this.started ??= this.store.loadState().then((stored) => {
      this.table.restore(stored.files, stored.truncated);
      this.loaded = true;
    });
    return this.started;
  }

  private async step(stop: AbortSignal): Promise<Batch<LogRecord> | undefined> {
    await this.load();
    try {
      await this.maintain();
    } catch (err) {
      this.opts.context.logger.error({ source: this.name, err: errorMessage(err) }, 'tail maintenance failed');
    }
    this.reader.progressed = false;
    const batch = await this.reader.nextBatch(stop);
    if (batch || this.reader.progressed || stop.aborted) return batch;
    await this.waker.wait(this.idleDelayMs(), stop);
    return undefined;
  }

  private now(): number {
    return this.opts.context.clock.monotonic();
  }

  /** Poll tick (open files: new data, truncation, rotation; idle handles closed), rescans, forgetting. */
  private async maintain(): Promise<void> {
    this.applyGroups();
    const now = this.now();
    if (this.schedule.pollDue(now)) {
      for (const f of this.table.files.values()) {
        if (!f.fh) continue;
        if (f.state === 'active' && !f.busy && f.caughtUp && now - f.lastDataMonoMs >= this.closeInactiveMs) {
          // Not marked dirty: it was caught up at its last read, and what comes after shows in a file event
          // or in the next rescan's size and mtime (marking it would reopen it at once, again and again).
          f.verifyOnOpen = true;
          await this.reader.closeFile(f);
          continue;
        }
        f.dirty = true;
        f.checkPath = true;
      }
    }
    if (this.schedule.scanDue(now)) await this.scan();
    else {
      const before = this.table.files.size;
      this.table.forgetReleased();
      if (this.table.files.size !== before) this.reader.refresh();
    }
    if (this.table.changed) {
      this.table.changed = false;
      void this.store.request(); // never rejects; errors are logged and counted
    }
  }

  /** The group list given last (if any) takes effect: files of a kept group adopt its new version. */
  private applyGroups(): void {
    const byId = this.groups.applyPending();
    if (!byId) return;
    for (const f of this.table.files.values()) {
      const g = byId.get(f.group.id);
      if (g) f.setGroup(g);
    }
    this.schedule.requestScan();
  }

  private async scan(): Promise<void> {
    this.schedule.scanStarted();
    const hits: ScanHit[] = [];
    const seen = new Set<string>();
    const incomplete = new Set<string>();
    for (const group of this.groups.current) {
      const onError = (p: string, err: NodeJS.ErrnoException) => {
        incomplete.add(group.id);
        this.warnOnce(`scan:${p}:${err.code}`, { path: p, err: errorMessage(err) }, 'cannot scan for tailed files');
      };
      for (const m of await expandGlobs(group.include, group.exclude, onError)) {
        const key = `${m.stats.dev}:${m.stats.ino}`;
        if (seen.has(key)) continue; // first group (and first path) wins
        seen.add(key);
        hits.push({ path: m.path, stats: m.stats, group });
      }
    }
    const added = await this.table.applyScan(hits, incomplete);
    const now = this.now();
    for (const f of added) f.lastDataMonoMs = now; // inactivity counts from discovery
    for (const g of this.groups.current) g.initialScanDone = true;
    if (!this.firstScanDone) {
      this.firstScanDone = true;
      await this.table.recoverRotated(new Map(this.groups.current.map((g) => [g.id, g])));
    }
    this.reader.refresh();
    this.watcher.update(await watchTargets(this.groups.current.flatMap((g) => g.include)));
    this.schedule.scanEnded(this.now());
  }

  private warnOnce(key: string, fields: object, msg: string): void {
    this.warnings.log('warn', key, fields as Record<string, unknown>, msg);
  }

  private idleDelayMs(): number {
    const now = this.now();
    let joinDeadlineMs = Infinity;
    for (const f of this.table.files.values()) joinDeadlineMs = Math.min(joinDeadlineMs, f.joinDeadlineMs);
    return this.schedule.idleDelayMs(now, joinDeadlineMs);
  }

  private onFsEvent(event: FsEvent, p: string): void {
    const f = this.table.fileAt(p);
    if (event === 'change') {
      if (f) f.dirty = true;
      else if (this.groups.current.some((g) => matchesAny(g.include, p))) this.schedule.requestScan();
    } else {
      if (f && event === 'unlink') f.checkPath = f.dirty = true;
      this.schedule.requestScan();
    }
    this.waker.wake();
  }
}
