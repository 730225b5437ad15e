/**
 * Loading: raw YAML → ${VAR} interpolation → schema (defaults, types, unknown keys) → cross-checks →
 * a frozen, typed object. All problems are collected and reported together; nothing starts on error.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError, problemsFromIssues, type ConfigProblem, formatPath } from './errors';
import { interpolate, type InterpolationError } from './interpolate';
import { rootSchema, type HeraldConfig } from './schema';

export interface LoadedConfig {
  config: HeraldConfig;
  /** The file it came from, or "(defaults)". */
  source: string;
}

export function loadConfigFile(file: string | undefined, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  if (file === undefined) return loadConfigText('', '(defaults)', env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError([{ path: '(file)', message: `cannot read ${file} (${code})` }], file);
  }
  return loadConfigText(text, file, env);
}

export function loadConfigText(text: string, source: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // The first syntax error is the one to fix; the rest usually cascade from it.
    const first = doc.errors[0] as (typeof doc.errors)[number];
    const more = doc.errors.length > 1 ? ` (and ${doc.errors.length - 1} more YAML errors after it)` : '';
    throw new ConfigError(
      [{ path: `(yaml line ${first.linePos?.[0]?.line ?? '?'})`, message: `${first.message.split('\n')[0] ?? first.message}${more}` }],
      source,
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError([{ path: '(root)', message: 'expected a mapping of sections (logs, outputs, ...)' }], source);
  }
  const interpolationErrors: InterpolationError[] = [];
  const interpolated = interpolate(raw, env, interpolationErrors);
  const problems: ConfigProblem[] = interpolationErrors.map((e) => ({ path: formatPath(e.path), message: e.message }));
  const result = rootSchema.safeParse(interpolated, { reportInput: true });
  if (!result.success) problems.push(...problemsFromIssues(result.error.issues, knownKeysAt));
  if (problems.length > 0) throw new ConfigError(inDocumentOrder(problems, doc), source);
  if (!result.success) throw new Error('unreachable');
  return { config: deepFreeze(result.data), source };
}

/** Problems sorted by where their path appears in the file (stable; problems not in the file go last). */
function inDocumentOrder(problems: ConfigProblem[], doc: ReturnType<typeof parseDocument>): ConfigProblem[] {
  const at = (p: ConfigProblem): number => {
    for (let keys = p.keys ?? []; keys.length > 0; keys = keys.slice(0, -1)) {
      const node = doc.getIn(keys as unknown[], true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return node.range[0];
      // A key whose value is null has no node: find the key itself in its parent mapping.
      const parent = doc.getIn(keys.slice(0, -1) as unknown[], true) as { items?: { key?: { value?: unknown; range?: [number] } }[] } | undefined;
      const item = parent?.items?.find((i) => i.key?.value === keys[keys.length - 1]);
      if (item?.key?.range) return item.key.range[0];
    }
    return Number.MAX_SAFE_INTEGER;
  };
  return problems.map((p, i) => ({ p, i, at: at(p) })).sort((a, b) => a.at - b.at || a.i - b.i).map(({ p }) => ({ path: p.path, message: p.message }));
}

/** Walks the schema along a path to list the keys an object there accepts. */
function knownKeysAt(path: readonly PropertyKey[]): readonly string[] {
  let schema: z.ZodType | undefined = rootSchema;
  for (const key of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) schema = (schema.shape as Record<string, z.ZodType>)[String(key)];
    else if (schema instanceof z.ZodArray) schema = schema.element as z.ZodType;
    else return [];
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let s = schema;
  for (let i = 0; i < 10 && s; i++) {
    if (s instanceof z.ZodDefault || s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodPipe) s = s.in as z.ZodType;
    else break;
  }
  return s;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value) && !(value instanceof RegExp)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
