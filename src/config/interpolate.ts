/**
 * `${VAR}` and `${VAR:-default}` in string values of the parsed YAML tree (never in keys, never in the raw
 * text, so a value cannot change the document's structure). `$${` is a literal `${`. A string that is
 * exactly one `${...}` expression is re-read as a YAML scalar, so `port: ${PORT:-9275}` gives a number;
 * except at a secret's key (`password: ${ES_PASSWORD}`), whose value stays the text of the variable (an
 * all-digit password is not a number, and `0123` must not become 123).
 */
import { parse as parseYamlScalar } from 'yaml';
import { isSecretKey } from './secret';

export interface InterpolationError {
  path: (string | number)[];
  message: string;
}

const EXPR = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{([^}]*)\}?/g;
const WHOLE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/;

export function interpolate(
  node: unknown,
  env: NodeJS.ProcessEnv,
  errors: InterpolationError[],
  path: (string | number)[] = [],
): unknown {
  if (typeof node === 'string') return interpolateString(node, env, errors, path);
  if (Array.isArray(node)) return node.map((v, i) => interpolate(v, env, errors, [...path, i]));
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = interpolate(v, env, errors, [...path, k]);
    return out;
  }
  return node;
}

function interpolateString(s: string, env: NodeJS.ProcessEnv, errors: InterpolationError[], path: (string | number)[]): unknown {
  if (!s.includes('${')) return s;
  let failed = false;
  const result = s.replace(EXPR, (match, name: string | undefined, def: string | undefined, bad: string | undefined) => {
    if (match === '$${') return '${';
    if (name === undefined) {
      failed = true;
      errors.push({ path, message: `bad variable reference ${JSON.stringify(match)} (expected \${NAME} or \${NAME:-default})` });
      return match;
    }
    void bad;
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (def !== undefined) return def;
    failed = true;
    errors.push({ path, message: `environment variable ${name} is not set and has no default (use \${${name}:-default})` });
    return match;
  });
  if (failed) return s;
  if (WHOLE.test(s) && !isSecretKey(path[path.length - 1])) {
    try {
      const scalar: unknown = parseYamlScalar(result);
      if (typeof scalar === 'number' || typeof scalar === 'boolean') return scalar;
    } catch {
      /* not a scalar: keep the string */
    }
  }
  return result;
}
