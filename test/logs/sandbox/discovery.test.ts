import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { SandboxScanner, runSandboxPath } from '../../../src/logs/sandbox/discovery';

void t.test('finds runs and nested containers, never through the latest symlinks', async (t) => {
  const work = t.testdir({});
  const run1 = runSandboxPath(work, 'S0', 'F1', 'E1', 'C1');
  const run2 = runSandboxPath(work, 'S0', 'F1', 'E1', 'C2'); // an older run of the same executor
  const run3 = runSandboxPath(work, 'S0', 'F2', 'E[x]', 'C3');
  for (const d of [run1, run2, run3, path.join(run1, 'containers/N1/containers/N2'), path.join(run1, 'logs')]) mkdirSync(d, { recursive: true });
  symlinkSync('C1', path.join(work, 'slaves/S0/frameworks/F1/executors/E1/runs/latest'));
  symlinkSync('S0', path.join(work, 'slaves/latest'));
  const errors: string[] = [];
  const scanner = new SandboxScanner(() => Date.now(), (dir) => errors.push(dir));
  const res = await scanner.scan(work);
  t.equal(res.complete, true);
  t.same(res.sandboxes.map((s) => s.path).sort(), [
    run1, path.join(run1, 'containers/N1'), path.join(run1, 'containers/N1/containers/N2'), run2, run3,
  ].sort());
  const n2 = res.sandboxes.find((s) => s.nested.length === 2);
  t.same(n2 && { ...n2 }, {
    path: path.join(run1, 'containers/N1/containers/N2'), runPath: run1, agentId: 'S0', frameworkId: 'F1', executorId: 'E1', containerId: 'C1', nested: ['N1', 'N2'],
  });
  t.same(errors, []);

  // A new run, and a garbage-collected one, are seen by the next pass (the cache never hides a change).
  const run4 = runSandboxPath(work, 'S0', 'F1', 'E9', 'C4');
  mkdirSync(run4, { recursive: true });
  rmSync(run2, { recursive: true });
  const again = await scanner.scan(work);
  t.same(again.sandboxes.map((s) => s.path).sort(), [
    run1, path.join(run1, 'containers/N1'), path.join(run1, 'containers/N1/containers/N2'), run3, run4,
  ].sort());
  t.same((await new SandboxScanner(() => Date.now(), () => undefined).scan(path.join(work, 'missing'))).sandboxes, [], 'no work dir: nothing');
});
