/** Paths of the fields of a JSON Schema that carry no description (directly, or on one of their anyOf/oneOf). */
export function undescribedFields(schema: unknown, root: string): string[] {
  const missing: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (node === null || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    const props = n['properties'] as Record<string, Record<string, unknown>> | undefined;
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        const described = typeof v['description'] === 'string' || ((v['anyOf'] ?? v['oneOf']) as Record<string, unknown>[] | undefined)?.some((x) => typeof x['description'] === 'string');
        if (!described) missing.push(`${path}.${k}`);
        walk(v, `${path}.${k}`);
      }
    }
    for (const key of ['items', 'anyOf', 'oneOf', 'allOf', 'additionalProperties']) {
      const child = n[key];
      if (Array.isArray(child)) child.forEach((c) => walk(c, path));
      else if (child) walk(child, `${path}[]`);
    }
  };
  walk(schema, root);
  return missing;
}
