/**
 * Every way Herald is started runs it on the same Node.js major with the same flags (src/agent/runtime.ts):
 * the container image, the Marathon app, bin/herald and `npm start`; and the tests themselves run on that
 * major, through the package's `node` dev dependency.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { NODE_FLAGS, RUNTIME_MAJOR } from '../../src/agent/runtime';

const root = join(__dirname, '..', '..');
const read = (...p: string[]) => readFileSync(join(root, ...p), 'utf8');
const words = (s: string) => s.split(/\s+/).filter((w) => w !== '');

void t.test('the tests run on the runtime Herald ships on', async (t) => {
  const pkg = JSON.parse(read('package.json')) as { devDependencies: Record<string, string>; engines: { node: string } };
  t.match(pkg.devDependencies['node'], new RegExp(`^\\^?${RUNTIME_MAJOR}\\.`), 'the node dev dependency is that major');
  t.match(pkg.devDependencies['@types/node'], new RegExp(`^\\^?${RUNTIME_MAJOR}(\\.|$)`), 'the code is type-checked against that major');
  t.equal(pkg.engines.node, `>=${RUNTIME_MAJOR}`);
  t.equal(Number(process.versions.node.split('.')[0]), RUNTIME_MAJOR,
    `this test runs on Node.js ${process.version}: run it through npm (npm test, npx tap), which puts node_modules/.bin first`);
});

void t.test('the image is built and run on that major, with the flags', async (t) => {
  const dockerfile = read('deploy', 'image', 'Dockerfile');
  // Every stage runs on that Node.js, except the one that only builds the native line engine (cargo).
  const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/gm)].filter((m) => m[2] !== 'native').map((m) => m[1]);
  t.ok(froms.length >= 2);
  for (const from of froms) t.match(from, new RegExp(`^node:${RUNTIME_MAJOR}-`), `FROM ${from ?? ''}`);
  t.match(dockerfile, /^COPY --from=native \S+herald_native\.node /m, 'the image carries the native line engine');
  const env = /^ENV NODE_OPTIONS=(.*)$/m.exec(dockerfile);
  t.ok(env, 'the image sets NODE_OPTIONS');
  t.same(words(env?.[1] ?? ''), [...NODE_FLAGS]);
});

void t.test('the Marathon app keeps the flags in the NODE_OPTIONS it sets', async (t) => {
  const app = JSON.parse(read('deploy', 'marathon', 'herald.json')) as { env: Record<string, string> };
  const options = words(app.env['NODE_OPTIONS'] ?? '');
  for (const flag of NODE_FLAGS) t.ok(options.includes(flag), `NODE_OPTIONS has ${flag}`);
});

void t.test('bin/herald and npm start pass the flags to node', async (t) => {
  const shebang = read('bin', 'herald').split('\n')[0] ?? '';
  t.same(words(shebang), ['#!/usr/bin/env', '-S', 'node', ...NODE_FLAGS]);
  const exec = /^exec node (.*) dist\/main\.js run "\$@"$/m.exec(read('scripts', 'start.sh'));
  t.ok(exec, 'scripts/start.sh execs node on dist/main.js');
  t.same(words(exec?.[1] ?? ''), [...NODE_FLAGS]);
});
