/** Character classes by char code, shared by the hand-written scanners (no regex on the hot path). */

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

export function isAlnum(c: number): boolean {
  return isDigit(c) || isAlpha(c);
}

/** base64url alphabet: A-Z a-z 0-9 - _ */
export function isBase64Url(c: number): boolean {
  return isAlnum(c) || c === 45 || c === 95;
}

/** Characters of a token after "Bearer" (RFC 6750 b64token): A-Z a-z 0-9 - . _ ~ + / and trailing = */
export function isTokenChar(c: number): boolean {
  return isAlnum(c) || c === 45 || c === 46 || c === 95 || c === 126 || c === 43 || c === 47 || c === 61;
}

export function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** Lower-cases an ASCII letter code, leaves anything else. */
export function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** True when s at i starts with `word` (given in lower case), compared ASCII case-insensitively. */
export function startsWithCi(s: string, i: number, word: string): boolean {
  if (i < 0 || i + word.length > s.length) return false;
  for (let k = 0; k < word.length; k++) if (lower(s.charCodeAt(i + k)) !== word.charCodeAt(k)) return false;
  return true;
}
