/**
 * Secrets: a value that prints as `[redacted]` everywhere (logs, JSON, inspect), read from the config, the
 * environment (via ${VAR}) or a `<name>_file` key, at load only.
 */
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { z } from 'zod';

export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** The only way to read the value: call it where it is sent, never where it is logged. */
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return '[redacted]';
  }
}

/** Names of every key declared by secretKeys (e.g. password, token, hash_key): their values are never printed. */
const SECRET_NAMES = new Set<string>();

/** Whether a config key (the last element of a path) holds a secret: its value must never be printed. */
export function isSecretKey(key: PropertyKey | undefined): boolean {
  return typeof key === 'string' && SECRET_NAMES.has(key);
}

/**
 * Adds `<name>` and `<name>_file` to an object shape for each secret name, and resolves them into
 * `<name>: Secret | undefined` (the `_file` key is consumed). Both given, or an unreadable file, is an error
 * reported at the `_file` path. The file's trailing newline is stripped.
 */
export function secretKeys<const N extends string>(names: readonly N[], description: (name: N) => string) {
  const shape: Record<string, z.ZodType> = {};
  for (const name of names) {
    SECRET_NAMES.add(name);
    // A YAML number or boolean is refused, never turned back into text: `0123` or `1e3` would not be the
    // secret that was meant. The error (errors.ts) says how to write it and never shows the value.
    shape[name] = z.string().optional().describe(description(name));
    shape[`${name}_file`] = z.string().optional().describe(`File holding ${name} (read at load; trailing newline stripped)`);
  }
  return shape as { [K in N | `${N}_file`]: z.ZodOptional<z.ZodString> };
}

export function resolveSecrets<T extends Record<string, unknown>, N extends string>(
  value: T,
  names: readonly N[],
  ctx: z.RefinementCtx,
): Omit<T, N | `${N}_file`> & { [K in N]: Secret | undefined } {
  const out: Record<string, unknown> = { ...value };
  for (const name of names) {
    const inline = value[name] as string | undefined;
    const file = value[`${name}_file`] as string | undefined;
    delete out[`${name}_file`];
    out[name] = undefined;
    if (inline !== undefined && file !== undefined) {
      ctx.addIssue({ code: 'custom', path: [`${name}_file`], message: `give ${name} or ${name}_file, not both` });
    } else if (file !== undefined) {
      try {
        out[name] = new Secret(readFileSync(file, 'utf8').replace(/\r?\n$/, ''));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'error';
        ctx.addIssue({ code: 'custom', path: [`${name}_file`], message: `cannot read secret file ${JSON.stringify(file)} (${code})` });
      }
    } else if (inline !== undefined) {
      out[name] = new Secret(inline);
    }
  }
  return out as Omit<T, N | `${N}_file`> & { [K in N]: Secret | undefined };
}
