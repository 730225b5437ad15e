/**
 * RFC 5424 STRUCTURED-DATA: `[id name="value" ...][id2 ...]`, shipped as `log.syslog.structured_data`
 * (ECS type flattened): `{ id: { name: value } }`.
 *
 * Values are unescaped (`\"`, `\\`, `\]` become the character; a backslash before anything else stays, as
 * RFC 5424 6.3.3 says), so the document holds the text the sender meant. A repeated SD-ID (invalid per the
 * RFC) merges into the first one instead of rejecting the whole line. An unescaped `]` inside a quoted value
 * is accepted, and so are spaces between '=' and the opening quote, for the same reason: losing the line's
 * structure costs more than a lenient read.
 */
import { setOwn } from './fields';
import { codeAt, type Clock } from './time';

export type StructuredData = Record<string, Record<string, string>>;

/** End of an SD-NAME at i: stops at space, '=', ']', '"' or a control char. */
function nameEnd(s: string, i: number, len: number): number {
  while (i < len) {
    const c = codeAt(s, i);
    if (c <= 32 || c === 61 || c === 93 || c === 34) break;
    i++;
  }
  return i;
}

/**
 * Parse STRUCTURED-DATA starting at the first '['. Returns the elements and sets clock.end to the index after
 * the last ']', or undefined when the syntax is broken (then the caller reports the line as unparsed).
 */
export function scanStructuredData(s: string, p: number, clock: Clock): StructuredData | undefined {
  const len = s.length;
  const sd: StructuredData = {};
  while (codeAt(s, p) === 91 /* [ */) {
    p++;
    const idEnd = nameEnd(s, p, len);
    if (idEnd === p) return undefined;
    const id = s.slice(p, idEnd);
    let params = Object.prototype.hasOwnProperty.call(sd, id) ? sd[id] : undefined;
    if (params === undefined) {
      params = {};
      setOwn(sd, id, params);
    }
    p = idEnd;
    while (codeAt(s, p) === 32) {
      p++;
      const ne = nameEnd(s, p, len);
      if (ne === p || codeAt(s, ne) !== 61 /* = */) return undefined;
      const name = s.slice(p, ne);
      p = ne + 1;
      while (codeAt(s, p) === 32) p++; // `eventSource= "Application"`: RFC example text as rsyslog tests it
      if (codeAt(s, p) !== 34 /* " */) return undefined;
      p++;
      // Value: fast path slices when there is no backslash; otherwise assemble the unescaped parts.
      let start = p;
      let value = '';
      while (p < len) {
        const c = codeAt(s, p);
        if (c === 34) break;
        if (c === 92 /* \ */) {
          const n = codeAt(s, p + 1);
          if (n === 34 || n === 92 || n === 93) {
            value += s.slice(start, p);
            start = p + 1; // keep the escaped char, drop the backslash
            p += 2;
            continue;
          }
        }
        p++;
      }
      if (p >= len) return undefined;
      value += s.slice(start, p);
      setOwn(params, name, value);
      p++; // closing quote
    }
    if (codeAt(s, p) !== 93 /* ] */) return undefined;
    p++;
  }
  clock.end = p;
  return sd;
}
