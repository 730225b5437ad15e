/**
 * Payment card numbers. A run of digits, bare or in groups joined by single spaces or dashes, is split into
 * groups; a card is 1 to 5 consecutive groups of that run in a usual layout (13-19 digits bare; 4-4-4-1..4;
 * 4-4-4-4-1..3; 4-6-5 Amex; 4-6-4 Diners) with the same separator throughout, a known issuer prefix for its
 * length, and a valid Luhn check digit. A run bordered by a letter, or by a decimal point with digits
 * (3.14159..., 12.4111...), is a word or a number, not a card. Runs longer than 19 digits are not searched
 * for cards inside them (ids, nanosecond timestamps).
 * Linear: each character is read once by the run scan, and each group starts at most four candidates of
 * at most 19 digits.
 */
import type { MatchList } from '../matches';
import { isAlpha, isDigit } from './chars';

// Groups of the current run (reused; grow for very long runs).
let gStart = new Int32Array(64);
let gLen = new Int32Array(64);
let gSep = new Int32Array(64); // separator code before the group (0 for the first)
const digits = new Uint8Array(19);

function pushGroup(g: number, start: number, len: number, sep: number): void {
  if (g === gStart.length) {
    const grow = (a: Int32Array) => {
      const b = new Int32Array(a.length * 2);
      b.set(a);
      return b;
    };
    gStart = grow(gStart);
    gLen = grow(gLen);
    gSep = grow(gSep);
  }
  gStart[g] = start;
  gLen[g] = len;
  gSep[g] = sep;
}

/** Is the layout of groups [g, g+k) a usual card layout? Returns the digit count, or 0. */
function layout(g: number, k: number): number {
  let total = 0;
  for (let j = 0; j < k; j++) {
    total += gLen[g + j] as number;
    if (j > 0 && gSep[g + j] !== gSep[g + 1]) return 0; // one separator throughout
  }
  if (total < 13 || total > 19) return 0;
  if (k === 1) return total;
  const l0 = gLen[g] as number;
  const l1 = gLen[g + 1] as number;
  if (k === 3) return l0 === 4 && l1 === 6 && (gLen[g + 2] === 5 || gLen[g + 2] === 4) ? total : 0;
  if (k === 4 || k === 5) {
    for (let j = 0; j < k - 1; j++) if (gLen[g + j] !== 4) return 0;
    return total;
  }
  return 0;
}

/** Known issuer prefixes (IIN ranges) for a number of `len` digits held in `digits`. */
export function knownIssuer(d: ArrayLike<number>, len: number): boolean {
  const p1 = d[0] as number;
  const p2 = p1 * 10 + (d[1] as number);
  const p3 = p2 * 10 + (d[2] as number);
  const p4 = p3 * 10 + (d[3] as number);
  const p6 = p4 * 100 + (d[4] as number) * 10 + (d[5] as number);
  const long = len >= 16 && len <= 19;
  if (p1 === 4) return len === 13 || len === 16 || len === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return len === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return len === 15; // American Express
  if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) return len >= 14 && len <= 19; // Diners
  if (p4 === 6011 || (p3 >= 644 && p3 <= 649) || p2 === 65 || (p6 >= 622126 && p6 <= 622925)) return long; // Discover
  if (p4 >= 3528 && p4 <= 3589) return long; // JCB
  if (p2 === 62) return long; // UnionPay
  if (p4 >= 2200 && p4 <= 2204) return long; // Mir
  if (p2 === 60 || p3 === 508) return len === 16; // RuPay
  if (p2 === 50 || (p2 >= 56 && p2 <= 58) || p2 === 63 || p2 === 67) return len >= 13; // Maestro
  return false;
}

export function luhnValid(d: ArrayLike<number>, len: number): boolean {
  let sum = 0;
  for (let i = len - 1, dbl = false; i >= 0; i--, dbl = !dbl) {
    let v = d[i] as number;
    if (dbl) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
  }
  return sum % 10 === 0;
}

function isCard(s: string, g: number, k: number, len: number): boolean {
  let n = 0;
  for (let j = 0; j < k; j++) {
    const st = gStart[g + j] as number;
    const l = gLen[g + j] as number;
    for (let i = 0; i < l; i++) digits[n++] = s.charCodeAt(st + i) - 48;
  }
  return knownIssuer(digits, len) && luhnValid(digits, len);
}

const TRY_GROUPS = [5, 4, 3, 1];

/** Pushes every card found in s; returns the work done (characters and candidate digits visited). */
export function findCards(s: string, out: MatchList, rule: number): number {
  const n = s.length;
  let steps = 0;
  let i = 0;
  while (i < n) {
    if (!isDigit(s.charCodeAt(i))) {
      i++;
      continue;
    }
    // A run: groups of digits joined by one space or dash.
    const runStart = i;
    let groups = 0;
    let sep = 0;
    for (;;) {
      const st = i;
      while (i < n && isDigit(s.charCodeAt(i))) i++;
      pushGroup(groups++, st, i - st, sep);
      const c = i < n ? s.charCodeAt(i) : 0;
      if ((c === 32 || c === 45) && i + 1 < n && isDigit(s.charCodeAt(i + 1))) {
        sep = c;
        i++;
      } else break;
    }
    steps += i - runStart;
    const before = runStart > 0 ? s.charCodeAt(runStart - 1) : 0;
    const decimalBefore = before === 46 && runStart > 1 && isDigit(s.charCodeAt(runStart - 2));
    const after = i < n ? s.charCodeAt(i) : 0;
    const decimalAfter = after === 46 && i + 1 < n && isDigit(s.charCodeAt(i + 1));
    const runEnd = i;
    for (let g = 0; g < groups; ) {
      let found = 0;
      if (g > 0 || (!isAlpha(before) && !decimalBefore)) {
        for (const k of TRY_GROUPS) {
          if (g + k > groups) continue;
          const len = layout(g, k);
          if (len === 0) continue;
          const end = (gStart[g + k - 1] as number) + (gLen[g + k - 1] as number);
          if (end === runEnd && (isAlpha(after) || decimalAfter)) continue;
          steps += len;
          if (isCard(s, g, k, len)) {
            out.push(gStart[g] as number, end, rule);
            found = k;
            break;
          }
        }
      }
      g += found > 0 ? found : 1;
    }
  }
  return steps;
}
