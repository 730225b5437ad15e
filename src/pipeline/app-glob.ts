/**
 * App ids ("/shop/web", or "<framework name>/<executor id>") matched against configured ids and globs, the
 * one glob language of every per-app setting (sandbox extra files and exclusions, QoS overrides, redaction
 * overrides): `*` matches within one "/" segment, `**` across segments, `?` one character other than "/".
 * Everything else is literal (app ids may contain ".", "-", "_"). Compiled once at load.
 */

export const isAppGlob = (pattern: string): boolean => pattern.includes('*') || pattern.includes('?');

/** The regex source (unanchored) of an app glob. */
function appGlobSource(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        out += '.*';
        i++;
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return out;
}

/** An app glob as an anchored RegExp. */
export function appGlob(pattern: string): RegExp {
  return new RegExp(`^${appGlobSource(pattern)}$`);
}

/** A set of app ids and globs; `matches('')` (no app) is always false. */
export class AppMatcher {
  private readonly exact = new Set<string>();
  private readonly regex: RegExp | undefined;

  constructor(patterns: readonly string[]) {
    const globs: string[] = [];
    for (const p of patterns) {
      if (isAppGlob(p)) globs.push(appGlobSource(p));
      else this.exact.add(p);
    }
    // One alternation, anchored: no nested quantifiers, so no catastrophic backtracking ('.*' runs are linear per start).
    this.regex = globs.length > 0 ? new RegExp(`^(?:${globs.join('|')})$`) : undefined;
  }

  get empty(): boolean {
    return this.exact.size === 0 && this.regex === undefined;
  }

  matches(app: string): boolean {
    if (app === '') return false;
    return this.exact.has(app) || (this.regex?.test(app) ?? false);
  }
}
