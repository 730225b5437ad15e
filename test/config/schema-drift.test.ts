import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configJsonSchema } from '../../src/config/json-schema';
import { ErrorCode } from '../../src/errors';
import { registry } from '../../src/components';
import { undescribedFields } from '../helpers/schema-descriptions';

const REPO = join(__dirname, '..', '..');
const readme = readFileSync(join(REPO, 'README.md'), 'utf8');

void t.test('config/herald.schema.json is generated from the code (npm run gen:schema)', async (t) => {
  t.same(JSON.parse(readFileSync(join(REPO, 'config', 'herald.schema.json'), 'utf8')), JSON.parse(JSON.stringify(configJsonSchema())));
});

void t.test('every configuration field has a description', async (t) => {
  t.same(undescribedFields(configJsonSchema(), ''), []);
});

void t.test('every top-level section and every error code is documented in the README', async (t) => {
  const sections = Object.keys((configJsonSchema()['properties'] as Record<string, unknown>));
  for (const s of sections) t.match(readme, new RegExp(`\`${s}\``), `section ${s}`);
  for (const code of Object.values(ErrorCode)) t.match(readme, new RegExp(code), code);
});

void t.test('every registered component has a row in the README component table', async (t) => {
  for (const d of registry.all()) t.match(readme, new RegExp(`\\| \`${d.type}\` \\| ${d.kind} \\|`), d.type);
});
