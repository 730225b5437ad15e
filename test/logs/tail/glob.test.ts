import { mkdirSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { compileGlob, expandBraces, expandGlobs, matchesAny } from '../../../src/logs/tail/glob';

const rel = (dir: string, paths: { path: string }[]) => paths.map((p) => path.relative(dir, p.path));

async function expand(include: string[], exclude: string[] = []) {
  return expandGlobs(include.flatMap(compileGlob), exclude.flatMap(compileGlob));
}

void t.test('expandBraces', (t) => {
  t.same(expandBraces('/a/{b,c}/d'), ['/a/b/d', '/a/c/d']);
  t.same(expandBraces('/a/{b,c{d,e}}'), ['/a/b', '/a/cd', '/a/ce']);
  t.same(expandBraces('/a/{x}/{y,z}'), ['/a/{x}/y', '/a/{x}/z'], 'a group without a comma is literal');
  t.same(expandBraces('/a/\\{b,c}'), ['/a/\\{b,c}'], 'escaped brace');
  t.same(expandBraces('/plain'), ['/plain']);
  t.end();
});

void t.test('compileGlob: base directory, depth and whole-path regex', (t) => {
  const [g] = compileGlob('/var/log/*.log');
  t.equal(g?.base, '/var/log');
  t.equal(g?.depth, 0);
  t.ok(g?.regex.test('/var/log/syslog.log'));
  t.notOk(g?.regex.test('/var/log/sub/x.log'), '* does not cross /');
  t.notOk(g?.regex.test('/var/log/.hidden.log'), 'wildcards skip dotfiles');
  const [s] = compileGlob('/m/slaves/*/frameworks/*/executors/*/runs/*/stdout');
  t.equal(s?.base, '/m/slaves');
  t.equal(s?.depth, 7);
  const [d] = compileGlob('/opt/**/app-?.[lL]og');
  t.equal(d?.depth, undefined, '** has no depth limit');
  t.ok(d?.regex.test('/opt/app-1.log'), '** matches zero directories');
  t.ok(d?.regex.test('/opt/a/b/c/app-2.Log'));
  t.notOk(d?.regex.test('/opt/a/app-22.log'));
  const [n] = compileGlob('/x/[!ab]*.log');
  t.ok(n?.regex.test('/x/c1.log'));
  t.notOk(n?.regex.test('/x/a1.log'));
  const [lit] = compileGlob('/var/log/syslog');
  t.equal(lit?.base, '/var/log');
  t.equal(lit?.depth, 0);
  t.throws(() => compileGlob('relative/*.log'), /absolute/);
  t.ok(matchesAny(compileGlob('/a/{b,c}.log'), '/a/c.log'));
  t.end();
});

void t.test('expandGlobs walks the file system', async (t) => {
  const dir = t.testdir({
    logs: {
      'a.log': 'a\n', 'b.log': 'b\n', 'b.log.1': 'old\n', '.hidden.log': 'h\n', 'c.txt': 'c\n',
      sub: { 'd.log': 'd\n', deeper: { 'e.log': 'e\n' } },
      'x1.log': '', 'x2.log': '', 'xa.log': '',
    },
    other: { 'f.log': 'f\n' },
  });
  t.same(rel(dir, await expand([`${dir}/logs/*.log`])), [
    'logs/a.log', 'logs/b.log', 'logs/x1.log', 'logs/x2.log', 'logs/xa.log',
  ]);
  t.same(rel(dir, await expand([`${dir}/logs/**/*.log`])), [
    'logs/a.log', 'logs/b.log', 'logs/sub/d.log', 'logs/sub/deeper/e.log', 'logs/x1.log', 'logs/x2.log', 'logs/xa.log',
  ]);
  t.same(rel(dir, await expand([`${dir}/logs/x?.log`], [`${dir}/logs/x[2]*`])), ['logs/x1.log', 'logs/xa.log']);
  t.same(rel(dir, await expand([`${dir}/logs/x[0-9].log`])), ['logs/x1.log', 'logs/x2.log']);
  t.same(rel(dir, await expand([`${dir}/{logs,other}/{a,f}.log`])), ['logs/a.log', 'other/f.log']);
  t.same(rel(dir, await expand([`${dir}/logs/b.log`, `${dir}/logs/b.log*`])), ['logs/b.log', 'logs/b.log.1'], 'deduplicated');
  t.same(rel(dir, await expand([`${dir}/logs/.*.log`])), ['logs/.hidden.log'], 'explicit dot matches dotfiles');
  t.same(await expand([`${dir}/missing/*.log`, `${dir}/missing/**/x`, `${dir}/logs/a.log/x`]), [], 'missing dirs are fine');
  t.same(rel(dir, await expand([`${dir}/logs/sub`])), [], 'directories are not matches');
});

void t.test('symlinks: followed for explicit segments, not under **', async (t) => {
  const dir = t.testdir({ real: { 'a.log': 'a\n' }, tree: {} });
  symlinkSync(path.join(dir, 'real'), path.join(dir, 'tree/link'));
  mkdirSync(path.join(dir, 'tree/loop'));
  symlinkSync(path.join(dir, 'tree'), path.join(dir, 'tree/loop/back'));
  t.same(rel(dir, await expand([`${dir}/tree/*/a.log`])), ['tree/link/a.log']);
  t.same(rel(dir, await expand([`${dir}/tree/**/a.log`])), [], 'no descent through symlinked dirs (no loops)');
});
