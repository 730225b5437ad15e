/**
 * Operator-defined rules: a regex (compiled once at load, with the `g` flag) run only on strings that hold
 * one of its keywords (plain indexOf), or on every string when it has none. A zero-length match is
 * skipped and the search moves on one character, so no regex can loop here. What a custom regex costs is
 * its author's: the config check refuses nested quantifiers, the usual cause of runaway backtracking.
 */
import type { MatchList } from '../matches';

export interface CompiledCustomRule {
  readonly index: number;
  readonly re: RegExp;
  readonly keywords: readonly string[];
}

export function runCustomRule(rule: CompiledCustomRule, s: string, out: MatchList): number {
  const kw = rule.keywords;
  let steps = 0;
  if (kw.length > 0) {
    let hit = false;
    for (const k of kw) {
      steps += s.length;
      if (s.includes(k)) {
        hit = true;
        break;
      }
    }
    if (!hit) return steps;
  }
  const re = rule.re;
  re.lastIndex = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    const end = m.index + m[0].length;
    if (end === m.index) re.lastIndex = end + 1;
    else out.push(m.index, end, rule.index);
  }
  return steps + s.length;
}
