/**
 * JSON endpoints → one point per scrape: every number (and boolean, as 1/0) becomes a float field named by
 * its path joined with `separator` (`gauges.jvm.memory.used.value`). `paths` restricts what is kept to the
 * subtrees they select: JSON-pointer-like `/gauges/*\/value`, where `*` matches any one key. `tags_from`
 * takes tag values from scalar members (`/cluster`). Array elements are named by index, or by the value of
 * their `array_key` member when they are objects that have it (`workers.web-1.busy`). Strings are ignored.
 */
import { makeMetricPoint, type MetricPoint } from '../../pipeline/records';

export interface JsonFlattenOptions {
  readonly measurement: string;
  /** Split paths (`/a/*\/b` → ['a', '*', 'b']); empty = keep everything. */
  readonly paths: readonly (readonly string[])[];
  /** Tag name → split path of the member holding its value. */
  readonly tagsFrom: readonly { readonly tag: string; readonly path: readonly string[] }[];
  readonly arrayKey: string | undefined;
  readonly separator: string;
  readonly baseTags: Readonly<Record<string, string>>;
  readonly app: string;
  /** Fields beyond this are dropped and counted (a JSON document is one point; its fields are its series). */
  readonly maxFields: number;
}

export interface JsonResult {
  point: MetricPoint | undefined;
  fields: number;
  fieldsDropped: number;
}

/** `/a/b/*` → ['a', 'b', '*']; `~1` and `~0` unescape `/` and `~` as in JSON pointers. */
export function splitPath(path: string): string[] {
  const body = path.startsWith('/') ? path.slice(1) : path;
  if (body === '') return [];
  return body.split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function matches(pattern: readonly string[], segs: readonly string[], n: number): boolean {
  for (let i = 0; i < n; i++) if (pattern[i] !== '*' && pattern[i] !== segs[i]) return false;
  return true;
}

class Flattener {
  readonly fields: Record<string, number> = {};
  count = 0;
  dropped = 0;
  readonly #segs: string[] = [];
  constructor(private readonly o: JsonFlattenOptions) {}

  /** 2 = selected (keep all below), 1 = on the way to a selected subtree, 0 = outside. */
  #selection(): 0 | 1 | 2 {
    const paths = this.o.paths;
    if (paths.length === 0) return 2;
    const segs = this.#segs;
    let state: 0 | 1 = 0;
    for (const p of paths) {
      if (p.length <= segs.length) {
        if (matches(p, segs, p.length)) return 2;
      } else if (matches(p, segs, segs.length)) state = 1;
    }
    return state;
  }

  walk(node: unknown, selected: boolean): void {
    if (typeof node === 'number' || typeof node === 'boolean') {
      if (!selected || this.#segs.length === 0) return;
      const value = typeof node === 'number' ? node : node ? 1 : 0;
      if (!Number.isFinite(value)) return;
      if (this.count >= this.o.maxFields) {
        this.dropped++;
        return;
      }
      this.fields[this.#segs.join(this.o.separator)] = value;
      this.count++;
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const entries: [string, unknown][] = Array.isArray(node)
      ? node.map((v: unknown, i) => [this.#elementName(v, i), v])
      : Object.entries(node as Record<string, unknown>);
    for (const [key, value] of entries) {
      this.#segs.push(key);
      const s = selected ? 2 : this.#selection();
      if (s !== 0) this.walk(value, s === 2);
      this.#segs.pop();
    }
  }

  #elementName(v: unknown, index: number): string {
    const key = this.o.arrayKey;
    if (key !== undefined && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const k = (v as Record<string, unknown>)[key];
      if (typeof k === 'string' || typeof k === 'number') return String(k);
    }
    return String(index);
  }
}

function lookup(doc: unknown, path: readonly string[]): unknown {
  let node = doc;
  for (const seg of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[seg];
  }
  return node;
}

export function flattenJson(doc: unknown, o: JsonFlattenOptions, nowMs: number): JsonResult {
  const f = new Flattener(o);
  f.walk(doc, o.paths.length === 0);
  const tags: Record<string, string> = { ...o.baseTags };
  for (const t of o.tagsFrom) {
    const v = lookup(doc, t.path);
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') tags[t.tag] = String(v);
  }
  const point = f.count === 0 ? undefined : makeMetricPoint(o.measurement, tags, f.fields, nowMs, o.app);
  return { point, fields: f.count, fieldsDropped: f.dropped };
}
