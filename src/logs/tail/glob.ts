/**
 * A small glob expander and matcher (chokidar 4 dropped glob support). Kept rather than Node's fs.glob: the
 * watcher and the sandbox classifier need the compiled form (the literal base directory, the depth, a matcher
 * for single paths), and the walk's rules below are tested as they are.
 * Supported: `*`, `?`, `**` (zero or more directories), `[abc]`, `[a-z]`, `[!abc]`, `{a,b}` (nested), `\x`.
 * Like a shell, a wildcard never matches a leading `.` in a name unless the pattern segment starts with `.`.
 * The walk starts at the literal prefix of the pattern (no readdir of literal segments), never follows a
 * symlinked directory while descending `**` (loops), and ignores missing or unreadable directories: a glob
 * whose directory does not exist yet simply matches nothing until it does.
 */
import { promises as fsp, type BigIntStats } from 'node:fs';
import * as path from 'node:path';

type Segment =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'pattern'; readonly re: RegExp }
  | { readonly kind: 'globstar' };

export interface CompiledGlob {
  readonly pattern: string;
  /** The directory made of the pattern's leading literal segments: where the walk (and the watch) starts. */
  readonly base: string;
  /** Levels below `base` where matches can appear (0 = direct children); undefined when the pattern has `**`. */
  readonly depth: number | undefined;
  /** Matches a whole absolute path. */
  readonly regex: RegExp;
  readonly segments: readonly Segment[];
}

export interface GlobMatch {
  readonly path: string;
  readonly stats: BigIntStats;
}

/** `{a,b}` → two patterns; nested braces and escapes are honoured; a brace group without a comma is literal. */
export function expandBraces(pattern: string): string[] {
  let depth = 0;
  let open = -1;
  const commas: number[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') { i++; continue; }
    if (c === '{') { if (depth++ === 0) { open = i; commas.length = 0; } }
    else if (c === '}' && depth > 0) {
      if (--depth === 0) {
        if (commas.length === 0) continue; // "{x}" is literal
        const head = pattern.slice(0, open);
        const tail = pattern.slice(i + 1);
        const out: string[] = [];
        let from = open + 1;
        for (const at of [...commas, i]) {
          for (const expanded of expandBraces(head + pattern.slice(from, at) + tail)) out.push(expanded);
          from = at + 1;
        }
        return out;
      }
    } else if (c === ',' && depth === 1) commas.push(i);
  }
  return [pattern];
}

const REGEX_SPECIALS = /[.*+?^${}()|[\]\\/]/;

function hasWildcard(segment: string): boolean {
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === '\\') { i++; continue; }
    if (c === '*' || c === '?' || c === '[') return true;
  }
  return false;
}

function unescapeLiteral(segment: string): string {
  return segment.replace(/\\(.)/g, '$1');
}

/** Regex source for one path segment (never matches `/`). */
function segmentSource(segment: string): string {
  let out = segment.startsWith('.') ? '' : '(?!\\.)';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '\\' && i + 1 < segment.length) out += escapeChar(segment[++i] as string);
    else if (c === '[') {
      let j = i + 1;
      if (segment[j] === '!' || segment[j] === '^') j++;
      if (segment[j] === ']') j++;
      while (j < segment.length && segment[j] !== ']') j++;
      if (j >= segment.length) { out += '\\['; continue; }
      let body = segment.slice(i + 1, j);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      body = body.replace(/[\\\]^[]/g, (m) => `\\${m}`);
      out += negated ? `[^/${body}]` : `[${body}]`;
      i = j;
    } else out += escapeChar(c);
  }
  return out;
}

function escapeChar(c: string): string {
  return REGEX_SPECIALS.test(c) ? `\\${c}` : c;
}

/** Compile one brace-free absolute pattern. */
function compileOne(pattern: string): CompiledGlob {
  const normalized = path.posix.normalize(pattern);
  const parts = normalized.split('/').slice(1).filter((p) => p !== '');
  const segments: Segment[] = [];
  for (const part of parts) {
    if (part === '**') {
      if (segments.at(-1)?.kind !== 'globstar') segments.push({ kind: 'globstar' });
    } else if (hasWildcard(part)) segments.push({ kind: 'pattern', re: new RegExp(`^${segmentSource(part)}$`) });
    else segments.push({ kind: 'literal', text: unescapeLiteral(part) });
  }
  // A trailing `**` means "any file below": `/a/**` == `/a/**/*`.
  if (segments.at(-1)?.kind === 'globstar') segments.push({ kind: 'pattern', re: /^(?!\.)[^/]*$/ });

  let literalCount = 0;
  while (literalCount < segments.length - 1 && segments[literalCount]?.kind === 'literal') literalCount++;
  const base = '/' + segments.slice(0, literalCount).map((s) => (s.kind === 'literal' ? s.text : '')).join('/');
  const rest = segments.slice(literalCount);
  const depth = rest.some((s) => s.kind === 'globstar') ? undefined : rest.length - 1;

  let source = '^';
  for (const part of parts) {
    if (part === '**') source += '(?:/(?!\\.)[^/]+)*';
    else if (hasWildcard(part)) source += '/' + segmentSource(part);
    else source += '/' + [...unescapeLiteral(part)].map(escapeChar).join('');
  }
  if (parts.at(-1) === '**') source += '/(?!\\.)[^/]*';
  return { pattern, base: path.posix.normalize(base), depth, regex: new RegExp(source + '$'), segments };
}

/** Compile a pattern (braces expanded first). Throws on a relative pattern. */
export function compileGlob(pattern: string): CompiledGlob[] {
  if (!pattern.startsWith('/')) throw new Error(`glob must be an absolute path: ${JSON.stringify(pattern)}`);
  return expandBraces(pattern).map(compileOne);
}

/** True when `p` matches any of the compiled globs. */
export function matchesAny(globs: readonly CompiledGlob[], p: string): boolean {
  for (const g of globs) if (g.regex.test(p)) return true;
  return false;
}

/** Called for errors other than "does not exist" (no permission, too many open files, I/O error). */
export type WalkErrorHandler = (path: string, err: NodeJS.ErrnoException) => void;

/** Missing paths are normal (not created yet, vanished, dangling symlink): they simply match nothing. */
const ABSENT = new Set(['ENOENT', 'ENOTDIR', 'ELOOP']);

interface Walk {
  readonly out: Map<string, BigIntStats>;
  readonly onError: WalkErrorHandler | undefined;
}

async function statOrUndefined(p: string, w: Walk): Promise<BigIntStats | undefined> {
  try {
    return await fsp.stat(p, { bigint: true });
  } catch (err) {
    if (!ABSENT.has((err as NodeJS.ErrnoException).code ?? '')) w.onError?.(p, err as NodeJS.ErrnoException);
    return undefined;
  }
}

async function readdirOrEmpty(dir: string, w: Walk) {
  try {
    return await fsp.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (!ABSENT.has((err as NodeJS.ErrnoException).code ?? '')) w.onError?.(dir, err as NodeJS.ErrnoException);
    return [];
  }
}

async function walk(dir: string, segs: readonly Segment[], i: number, w: Walk): Promise<void> {
  const seg = segs[i];
  if (seg === undefined) return;
  const last = i === segs.length - 1;
  if (seg.kind === 'literal') {
    const p = path.join(dir, seg.text);
    if (!last) return walk(p, segs, i + 1, w);
    const st = await statOrUndefined(p, w);
    if (st?.isFile()) w.out.set(p, st);
    return;
  }
  const entries = await readdirOrEmpty(dir, w);
  const pending: Promise<void>[] = [];
  if (seg.kind === 'globstar') {
    pending.push(walk(dir, segs, i + 1, w)); // zero directories
    for (const e of entries) {
      // Real directories only: following symlinks under `**` could loop.
      if (e.isDirectory() && !e.name.startsWith('.')) pending.push(walk(path.join(dir, e.name), segs, i, w));
    }
  } else {
    for (const e of entries) {
      if (!seg.re.test(e.name)) continue;
      const p = path.join(dir, e.name);
      if (!last) {
        if (e.isDirectory() || e.isSymbolicLink()) pending.push(walk(p, segs, i + 1, w));
      } else if (e.isFile() || e.isSymbolicLink()) {
        pending.push(statOrUndefined(p, w).then((st) => { if (st?.isFile()) w.out.set(p, st); }));
      }
    }
  }
  await Promise.all(pending);
}

/**
 * Every regular file matching one of `include` and none of `exclude`, sorted by path, with its stats
 * (bigint: inode numbers may exceed 2^53, e.g. on overlayfs with xino). Missing directories match nothing;
 * other errors are reported to `onError` (the result is then incomplete) and the walk goes on.
 */
export async function expandGlobs(
  include: readonly CompiledGlob[], exclude: readonly CompiledGlob[], onError?: WalkErrorHandler,
): Promise<GlobMatch[]> {
  const w: Walk = { out: new Map(), onError };
  await Promise.all(include.map((g) => walk('/', g.segments, 0, w)));
  const out: GlobMatch[] = [];
  for (const [p, stats] of w.out) if (!matchesAny(exclude, p)) out.push({ path: p, stats });
  out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return out;
}
