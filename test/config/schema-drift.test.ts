import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configJsonSchema } from '../../src/config/json-schema';
import { ErrorCode } from '../../src/errors';
import { registry } from '../../src/components';

const REPO = join(__dirname, '..', '..');
const readme = readFileSync(join(REPO, 'README.md'), 'utf8');

void t.test('config/herald.schema.json is generated from the code (npm run gen:schema)', async (t) => {
  t.same(JSON.parse(readFileSync(join(REPO, 'config', 'herald.schema.json'), 'utf8')), JSON.parse(JSON.stringify(configJsonSchema())));
});

void t.test('every configuration field has a description', async (t) => {
  const missing: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (node === null || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    const props = n['properties'] as Record<string, Record<string, unknown>> | undefined;
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        const anyDescribed = typeof v['description'] === 'string' || ((v['anyOf'] ?? v['oneOf']) as Record<string, unknown>[] | undefined)?.some((x) => typeof x['description'] === 'string');
        if (!anyDescribed) missing.push(`${path}.${k}`);
        walk(v, `${path}.${k}`);
      }
    }
    for (const key of ['items', 'anyOf', 'oneOf', 'allOf']) {
      const child = n[key];
      if (Array.isArray(child)) child.forEach((c) => walk(c, path));
      else if (child) walk(child, `${path}[]`);
    }
  };
  walk(configJsonSchema(), '');
  t.same(missing, []);
});

void t.test('every top-level section and every error code is documented in the README', async (t) => {
  const sections = Object.keys((configJsonSchema()['properties'] as Record<string, unknown>));
  for (const s of sections) t.match(readme, new RegExp(`\`${s}\``), `section ${s}`);
  for (const code of Object.values(ErrorCode)) t.match(readme, new RegExp(code), code);
});

void t.test('every registered component has a row in the README component table', async (t) => {
  for (const d of registry.all()) t.match(readme, new RegExp(`\\| \`${d.type}\` \\| ${d.kind} \\|`), d.type);
});
