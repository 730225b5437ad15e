/**
 * Turns validation issues into one report: every problem on its own line with its path
 * (`logs.files[2].format: expected one of syslog|haproxy|json|plain|glog, got "csv"`).
 */
import type { z } from 'zod';
import { ErrorCode, HeraldError } from '../errors';
import { isSecretKey } from './secret';

export interface ConfigProblem {
  path: string;
  message: string;
  /** The path as keys, to find the spot in the YAML document (for ordering). */
  keys?: readonly PropertyKey[];
}

export class ConfigError extends HeraldError {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[], source: string) {
    super(ErrorCode.config, formatProblems(problems, source));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

export function formatProblems(problems: ConfigProblem[], source: string): string {
  const head = `config ${source}: ${problems.length} error${problems.length === 1 ? '' : 's'}`;
  return [head, ...problems.map((p) => `  ${p.path}: ${p.message}`)].join('\n');
}

/** The value as an error shows it; a secret's only by its type (config keys declared by secretKeys). */
function describeValue(v: unknown, path: readonly PropertyKey[]): string {
  if (isSecretKey(path[path.length - 1]) && v !== undefined && v !== null) {
    const kind = Array.isArray(v) ? 'list' : typeof v === 'object' ? 'mapping' : typeof v;
    return `a ${kind} (a secret: value not shown${kind === 'number' || kind === 'boolean' ? '; quote it in the YAML' : ''})`;
  }
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] as number;
}

/** Known keys of the object schema at a path, for "did you mean" hints. */
export type KnownKeys = (path: readonly PropertyKey[]) => readonly string[];

export function problemsFromIssues(issues: readonly z.core.$ZodIssue[], knownKeys: KnownKeys): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          const hint = closest(key, knownKeys(issue.path));
          out.push({
            path: formatPath([...issue.path, key]),
            message: `unknown key${hint ? ` (did you mean "${hint}"?)` : ''}`,
            keys: [...issue.path, key],
          });
        }
        break;
      case 'invalid_type':
        out.push({
          keys: issue.path,
          path: formatPath(issue.path),
          message: issue.input === undefined ? `required (${issue.expected})` : `expected ${issue.expected}, got ${describeValue(issue.input, issue.path)}`,
        });
        break;
      case 'invalid_value':
        out.push({
          keys: issue.path,
          path: formatPath(issue.path),
          message: `expected one of ${issue.values.map((v) => String(v)).join('|')}, got ${describeValue(issue.input, issue.path)}`,
        });
        break;
      case 'invalid_union': {
        // Report the most specific branch: the first that got past the type check, else a plain type error.
        const deeper = issue.errors.find((branch) => branch.some((i) => i.code !== 'invalid_type'));
        if (deeper) out.push(...problemsFromIssues(deeper.map((i) => ({ ...i, path: [...issue.path, ...i.path] })), knownKeys));
        else out.push({ keys: issue.path, path: formatPath(issue.path), message: `unexpected value ${describeValue(issue.input, issue.path)}` });
        break;
      }
      case 'too_small':
      case 'too_big':
        out.push({ keys: issue.path, path: formatPath(issue.path), message: `${issue.message.replace(/^Too (small|big): /, '')}, got ${describeValue(issue.input, issue.path)}` });
        break;
      default:
        out.push({ keys: issue.path, path: formatPath(issue.path), message: issue.message });
    }
  }
  return out;
}
