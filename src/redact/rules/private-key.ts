/**
 * PEM private key blocks: `-----BEGIN <LABEL>-----` where LABEL (A-Z 0-9 space) contains "PRIVATE KEY"
 * (RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP ... BLOCK), through `-----END <LABEL>-----`. The block is one
 * event when the file's multiline setting joins it, or one JSON string with `\n` escapes. Without its END
 * (a truncated event) everything from BEGIN to the end of the text is taken: better too much than a key.
 * Linear: the END search resumes after the block, and a missing END ends the scan.
 */
import type { MatchList } from '../matches';
import { isDigit } from './chars';

const BEGIN = '-----BEGIN ';
const DASHES = '-----';

export function findPrivateKeys(s: string, out: MatchList, rule: number): number {
  const n = s.length;
  let steps = 0;
  let from = 0;
  for (;;) {
    const at = s.indexOf(BEGIN, from);
    steps += (at === -1 ? n : at) - from;
    if (at === -1) return steps;
    const labelStart = at + BEGIN.length;
    let j = labelStart;
    while (j < n && j - labelStart < 64) {
      const c = s.charCodeAt(j);
      if (!((c >= 65 && c <= 90) || isDigit(c) || c === 32)) break;
      j++;
    }
    steps += j - labelStart;
    from = j;
    if (!s.startsWith(DASHES, j)) continue;
    const label = s.slice(labelStart, j);
    if (!label.includes('PRIVATE KEY')) continue;
    const endMarker = `-----END ${label}-----`;
    const e = s.indexOf(endMarker, j + DASHES.length);
    const end = e === -1 ? n : e + endMarker.length;
    steps += end - j;
    out.push(at, end, rule);
    if (e === -1) return steps;
    from = end;
  }
}
