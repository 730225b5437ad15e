/**
 * Which sandboxes are tailed, and with which watch groups: the record kept for each sandbox found on disk
 * (`Tracked`), the exclusions (Herald's own sandbox and app, `exclude_apps`), building a sandbox's groups
 * (invalid globs dropped), rebuilding them when its run's identity changed, and the order the groups of all
 * tailed sandboxes are handed to the engine in. Policy only, no I/O: the source runs the discovery passes,
 * looks runs up in the metadata, checks completion on disk and decides releases.
 *
 * Policies (README.md): Herald's own sandbox (`$MESOS_DIRECTORY`, `$MESOS_SANDBOX` and below) and every
 * sandbox of its own app are excluded when `self_sandbox.exclude` (its own logs would loop); a released
 * sandbox stays released; group ids depend on the path only, so a changed identity replaces the groups
 * with the same ids (file positions are kept).
 */
import * as path from 'node:path';
import type { ExecutorRun } from '../../mesos/model';
import { errorMessage } from '../../errors';
import { AppMatcher } from '../../pipeline/app-glob';
import { compileGlob } from '../tail/glob';
import type { WatchGroup } from '../tail/tail-source';
import type { SandboxesConfig } from './config';
import type { SandboxRef } from './discovery';
import { GroupFactory } from './sandbox-groups';

export type TrackState = 'tailed' | 'excluded' | 'released';

/** One sandbox found on disk, from its discovery until its directory is gone. */
export interface Tracked {
  readonly ref: SandboxRef;
  run: ExecutorRun;
  sig: string;
  state: TrackState;
  readonly startAt: 'beginning' | 'end';
  streams: WatchGroup[];
  extras: WatchGroup[];
  /** Wall-clock ms when tailing started (idle time for release counts from here at the earliest). */
  readonly sinceMs: number;
  completed: boolean;
}

/** Log a repeated problem once (the caller bounds and rate-limits it). */
export type WarnOnce = (key: string, fields: object, msg: string) => void;

/** What of a run its groups depend on (completion is not identity). */
function signature(run: ExecutorRun): string {
  return JSON.stringify([run.app, run.appSource, run.frameworkName, run.executorName, run.tasks.map((t) => [t.id, t.name]), run.labels]);
}

export class SandboxClassifier {
  /** Herald's own sandbox directories (absolute, resolved); empty unless self_sandbox.exclude. */
  readonly selfDirs: readonly string[];
  private readonly factory: GroupFactory;
  private readonly excludeApps: AppMatcher;
  private readonly selfApp: AppMatcher;

  /** `env`: Herald's own environment (MESOS_DIRECTORY, MESOS_SANDBOX, MARATHON_APP_ID). */
  constructor(
    private readonly cfg: SandboxesConfig,
    env: Readonly<Record<string, string | undefined>>,
    private readonly warnOnce: WarnOnce,
  ) {
    this.factory = new GroupFactory(cfg);
    this.excludeApps = new AppMatcher(cfg.exclude_apps);
    const self = cfg.self_sandbox;
    const selfApp = self.app ?? env['MARATHON_APP_ID'];
    this.selfApp = new AppMatcher(self.exclude && selfApp ? [selfApp] : []);
    this.selfDirs = self.exclude
      ? [env['MESOS_DIRECTORY'], env['MESOS_SANDBOX']].filter((d): d is string => !!d && d.startsWith('/')).map((d) => path.resolve(d))
      : [];
  }

  /** The record of a newly found sandbox, classified (tailed with its groups, or excluded). */
  track(ref: SandboxRef, run: ExecutorRun, startAt: 'beginning' | 'end', nowMs: number): Tracked {
    const t: Tracked = { ref, run, sig: signature(run), state: 'tailed', startAt, streams: [], extras: [], sinceMs: nowMs, completed: false };
    this.classify(t);
    return t;
  }

  /** Excluded (own sandbox, excluded app) or tailed with freshly built groups; released stays released. */
  classify(t: Tracked): void {
    if (t.state === 'released') return;
    const self = this.selfDirs.some((d) => t.ref.path === d || t.ref.path.startsWith(`${d}/`)) || this.selfApp.matches(t.run.app);
    if (self || this.excludeApps.matches(t.run.app)) {
      t.state = 'excluded';
      t.streams = [];
      t.extras = [];
      return;
    }
    t.state = 'tailed';
    const built = this.factory.build(t.ref, t.run, t.startAt);
    t.streams = built.streams.filter((g) => this.validGroup(g));
    t.extras = built.extras.filter((g) => this.validGroup(g));
    if (built.rejected > 0) {
      this.warnOnce(`label:${t.run.app}`, { app: t.run.app, label: this.cfg.extra_files_label }, 'ignored entries of the extra-files label (absolute, "..", or more than 16)');
    }
  }

  /** The sandbox's run is now `run`: rebuild its groups if its identity changed; true when the group set changed. */
  refresh(t: Tracked, run: ExecutorRun): boolean {
    t.completed ||= run.completed;
    const sig = signature(run);
    if (sig === t.sig) {
      t.run = run;
      return false;
    }
    const before = t.state;
    t.run = run;
    t.sig = sig;
    this.classify(t);
    return before === 'tailed' || t.state === 'tailed';
  }

  /** The groups of the tailed sandboxes, by sandbox path, streams before extras. */
  groupsOf(sandboxes: Iterable<Tracked>): WatchGroup[] {
    const tailed = [...sandboxes].filter((t) => t.state === 'tailed').sort((a, b) => (a.ref.path < b.ref.path ? -1 : 1));
    // Streams before extras: a file matched by two groups belongs to the first.
    return [...tailed.flatMap((t) => t.streams), ...tailed.flatMap((t) => t.extras)];
  }

  private validGroup(g: WatchGroup): boolean {
    try {
      for (const p of [...g.include, ...g.exclude]) compileGlob(p);
      return true;
    } catch (err) {
      this.warnOnce(`glob:${g.id}`, { group: g.id, err: errorMessage(err) }, 'sandbox files not tailed: invalid glob');
      return false;
    }
  }
}
