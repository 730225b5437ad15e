// Writes config/herald.schema.json from the compiled config schema (run `npm run build` first; `npm run
// gen:schema` does both). test/config/schema-drift.test.ts fails when the committed file is stale.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { configJsonSchema } = require('../dist/config/json-schema.js');
const out = new URL('../config/herald.schema.json', import.meta.url);
writeFileSync(out, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${out.pathname}\n`);
