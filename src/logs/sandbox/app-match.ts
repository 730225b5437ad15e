/**
 * Matching app ids ("/shop/web", or "<framework name>/<executor id>") against configured ids and globs,
 * compiled once at load: `*` matches within one path segment, `**` across segments, `?` one character other
 * than "/". Everything else is literal (app ids may contain ".", "-", "_").
 */

function globSource(pattern: string): string {
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

export class AppMatcher {
  private readonly exact = new Set<string>();
  private readonly regex: RegExp | undefined;

  constructor(patterns: readonly string[]) {
    const globs: string[] = [];
    for (const p of patterns) {
      if (p.includes('*') || p.includes('?')) globs.push(globSource(p));
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
