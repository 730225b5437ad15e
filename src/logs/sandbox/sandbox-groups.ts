/**
 * The watch groups of one sandbox: one per stream (`stdout`, `stderr`, each with the logrotate logger's
 * rotated `stdout.1..N`), plus one per matching `extra_files` entry and one for the files named by the
 * extra-files label. Group ids are derived from the sandbox path, so they are stable across rebuilds
 * (identity upgrades keep file positions) and across restarts (stored offsets match their group).
 *
 * Rotation: `<sandbox>/stdout` and `<sandbox>/stdout.[0-9]*` are one group, so the logrotate logger's
 * renames (`stdout` → `stdout.1` → `stdout.2`) keep each file's identity and position (the tail engine
 * follows inodes); `*.logrotate.state` / `*.logrotate.conf` never match.
 */
import type { ExecutorRun } from '../../mesos/model';
import type { MultilineConfig } from '../tail/multiline';
import type { WatchGroup } from '../tail/groups';
import { AppMatcher } from '../../pipeline/app-glob';
import { relativeGlob, type SandboxFormat, type SandboxesConfig } from './config';
import type { SandboxRef } from './discovery';
import { sandboxIdentity, type SandboxStream } from './identity';
import { SANDBOX_DATASET, SandboxLineParser, declaredFormat, type ExecutorRule } from './sandbox-parser';

/** Globs a label may list at most (the rest is ignored). */
export const LABEL_MAX_GLOBS = 16;

/** Escape glob metacharacters of a literal path (ids may contain them). */
export function escapeGlob(p: string): string {
  return p.replace(/[*?[\]{}\\]/g, '\\$&');
}

/** The valid globs of an extra-files label value ("logs/*.log, gc.log"); invalid entries are skipped. */
export function labelGlobs(value: string): { globs: string[]; rejected: number } {
  const globs: string[] = [];
  let rejected = 0;
  for (const part of value.split(',')) {
    const g = part.trim();
    if (g === '') continue;
    if (globs.length >= LABEL_MAX_GLOBS || !relativeGlob.safeParse(g).success) rejected++;
    else globs.push(g);
  }
  return { globs, rejected };
}

/** What the group builder needs from the config, compiled once. */
export class GroupFactory {
  private readonly extra: { matcher: AppMatcher; paths: string[]; format: SandboxFormat }[];
  private readonly multiline: MultilineConfig | undefined;

  constructor(private readonly cfg: SandboxesConfig) {
    this.extra = cfg.extra_files.map((e) => ({ matcher: new AppMatcher([e.app]), paths: e.paths, format: e.format }));
    const m = cfg.multiline;
    this.multiline = m && { startPattern: new RegExp(m.start_pattern), negate: m.negate, timeoutMs: m.timeout_ms, maxLines: m.max_lines };
  }

  /**
   * Groups of one sandbox, streams first (a file matched by two groups belongs to the first: an extra glob
   * such as "**" must not take stdout away from its stream group). `rejected` counts label globs skipped.
   */
  build(ref: SandboxRef, run: ExecutorRun, startAt: 'beginning' | 'end'): { streams: WatchGroup[]; extras: WatchGroup[]; rejected: number } {
    const base = escapeGlob(ref.path);
    const taskIds = new Set<string>([run.executorId, ref.executorId, ...run.tasks.map((t) => t.id)]);
    const nested = ref.nested.length > 0;
    const streams = (['stdout', 'stderr'] as const).map((stream) =>
      this.group(ref, run, `${ref.path}:${stream}`, [`${base}/${stream}`, `${base}/${stream}.[0-9]*`], stream, this.cfg.format,
        stream === 'stderr' ? 'stderr' : nested ? 'none' : 'stdout', taskIds, startAt));
    const extras: WatchGroup[] = [];
    this.extra.forEach((e, i) => {
      if (!e.matcher.matches(run.app)) return;
      extras.push(this.group(ref, run, `${ref.path}:extra_files[${i}]`, e.paths.map((p) => `${base}/${p}`), undefined, e.format, 'none', taskIds, startAt));
    });
    let rejected = 0;
    const label = this.cfg.extra_files_label;
    const value = label === undefined ? undefined : run.labels[label];
    if (value !== undefined && !nested) {
      const parsed = labelGlobs(value);
      rejected = parsed.rejected;
      if (parsed.globs.length > 0) {
        extras.push(this.group(ref, run, `${ref.path}:label`, parsed.globs.map((p) => `${base}/${p}`), undefined, 'auto', 'none', taskIds, startAt));
      }
    }
    return { streams, extras, rejected };
  }

  private group(
    ref: SandboxRef, run: ExecutorRun, id: string, include: string[], stream: SandboxStream | undefined,
    format: SandboxFormat, executorRule: ExecutorRule, taskIds: ReadonlySet<string>, startAt: 'beginning' | 'end',
  ): WatchGroup {
    const escaped = escapeGlob(ref.path);
    const g: WatchGroup = {
      id: `sandbox:${id}`,
      include,
      // Logrotate's bookkeeping, and nested containers' files (their own sandboxes' groups own them) for broad extra globs.
      exclude: [`${escaped}/**/*.logrotate.{state,conf}`, `${escaped}/containers/**`],
      format: declaredFormat(format),
      dataset: SANDBOX_DATASET,
      identity: sandboxIdentity(run, ref, stream),
      startAt,
      maxLineBytes: this.cfg.max_line_bytes,
      parser: () => new SandboxLineParser({ format, executorRule, taskIds }),
      nativeParser: { parser: 'sandbox', sandboxMode: format, executorRule, taskIds: [...taskIds] },
    };
    if (this.multiline) g.multiline = this.multiline;
    return g;
  }
}
