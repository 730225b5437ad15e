/**
 * The password of URL credentials: `scheme://user:password@host` (also `scheme://:password@host`). The
 * authority is read up to the first `/ ? #`, space, quote or angle bracket; the password runs from the
 * first `:` to the last `@` of it (an unencoded `@` in a password is common). A `:` after the last `@` is
 * the port. Percent-encoded URLs inside other URLs (`https%3A%2F%2F...`) are not decoded (README).
 * Linear: the next `://` is searched after the authority just read.
 */
import type { MatchList } from '../matches';
import { isAlnum } from './chars';

function endsAuthority(c: number): boolean {
  return c === 47 || c === 63 || c === 35 || c === 32 || c === 9 || c === 10 || c === 13 || c === 34 || c === 39 ||
    c === 60 || c === 62 || c === 92 || c === 96;
}

export function findUrlCredentials(s: string, out: MatchList, rule: number): number {
  const n = s.length;
  let steps = 0;
  let from = 0;
  for (;;) {
    const at = s.indexOf('://', from);
    steps += (at === -1 ? n : at) - from;
    if (at === -1) return steps;
    let u = at + 3;
    from = u;
    if (at === 0 || !isAlnum(s.charCodeAt(at - 1))) continue;
    let colon = -1;
    let lastAt = -1;
    for (; u < n; u++) {
      const c = s.charCodeAt(u);
      if (endsAuthority(c)) break;
      if (c === 64) lastAt = u;
      else if (c === 58 && colon === -1) colon = u;
    }
    steps += u - from;
    from = u;
    if (colon !== -1 && colon < lastAt) out.push(colon + 1, lastAt, rule);
  }
}
