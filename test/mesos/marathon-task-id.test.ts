/* eslint-disable @typescript-eslint/no-explicit-any -- recorded JSON of varying shape, read field by field */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appIdFromExecutorId, appIdFromSafePath, appIdFromTaskId, appKey } from '../../src/mesos/marathon-task-id';

const FIX = join(__dirname, '..', 'fixtures', 'mesos');
const json = (name: string): any => JSON.parse(readFileSync(join(FIX, name), 'utf8'));
const templates = json('path-templates.json');
const regexes = templates['marathon_id_regexes (verbatim from Task.scala / Instance.scala; group 1 is the \'safe\' run-spec id with \'/\' replaced by \'_\')'];
const shapes = templates.examples[2];

void t.test('every task id shape of path-templates.json gives /myGroup/myApp', async (t) => {
  t.equal(shapes.marathon_app_id, '/myGroup/myApp');
  const keys = ['legacy_task_id', 'legacy_resident_task_id', 'ephemeral_task_id_app', 'ephemeral_task_id_pod_container', 'task_id_with_incarnation_app', 'task_id_with_incarnation_pod_container', 'instance_id'];
  for (const key of keys) t.equal(appIdFromTaskId(shapes[key]), '/myGroup/myApp', `${key}: ${shapes[key]}`);
  const podExecutor = shapes['pod_executor_id (Instance.Id.executorIdString = prefix + safeRunSpecId + \'.\' + uuid)'];
  t.equal(appIdFromExecutorId(podExecutor), '/myGroup/myApp', `pod executor ${podExecutor}`);
  for (const key of keys) t.equal(appIdFromExecutorId(shapes[key]), '/myGroup/myApp', `executor id = task id: ${key}`);
  t.equal(appIdFromTaskId(templates.examples[0].task_id), templates.examples[0].marathon_app_id_derived_from_task_id);
  t.equal(appIdFromTaskId(templates.examples[1].task_id), templates.examples[1].marathon_app_id_derived_from_task_id);
});

void t.test('same answers as Marathon\'s verbatim regexes applied in its parse order', async (t) => {
  t.same(regexes.parse_order, ['TaskIdWithInstanceIdAndIncarnationRegex', 'TaskIdWithInstanceIdRegex', 'ResidentTaskIdRegex', 'LegacyTaskIdRegex']);
  const ordered = (regexes.parse_order as string[]).map((n) => new RegExp(regexes[n]));
  const reference = (id: string): string | undefined => {
    for (const re of ordered) {
      const m = re.exec(id);
      if (m) return '/' + m[1]!.split('_').join('/');
    }
    return undefined;
  };
  const ids = [
    ...Object.values(shapes).filter((v): v is string => typeof v === 'string' && v.includes('.')),
    'hello.dc130e23-df88-11e4-b9ec-080027fc1312', 'a.b.c_d.instance-x_y.1', 'x.marathon-u.c.77', 'p_q.r_s', 'a.1.2', 'a_b.instance-u_c',
  ];
  for (const id of ids) t.equal(appIdFromTaskId(id), reference(id), id);
});

void t.test('the legacy-regex trap: the legacy regex alone gives wrong ids for newer shapes', async (t) => {
  const legacy = new RegExp(regexes.LegacyTaskIdRegex);
  const id = shapes.ephemeral_task_id_app as string;
  const naive = appIdFromSafePath(legacy.exec(id)![1]!);
  t.not(naive, '/myGroup/myApp', `legacy alone gives ${naive}`);
  t.equal(appIdFromTaskId(id), '/myGroup/myApp');
  const incarnation = shapes.task_id_with_incarnation_app as string;
  t.equal(appIdFromTaskId(incarnation), '/myGroup/myApp');
  t.not(appIdFromSafePath(new RegExp(regexes.ResidentTaskIdRegex).exec(incarnation)![1]!), '/myGroup/myApp', 'resident alone is wrong too');
});

void t.test('task ids of the Marathon fixtures give their appId', async (t) => {
  const pairs: [string, string][] = [];
  const walk = (o: unknown): void => {
    if (Array.isArray(o)) o.forEach(walk);
    else if (o && typeof o === 'object') {
      const r = o as Record<string, unknown>;
      if (typeof r['id'] === 'string' && typeof r['appId'] === 'string') pairs.push([r['id'], r['appId']]);
      Object.values(r).forEach(walk);
    }
  };
  for (const f of ['tasks.json', 'app_tasks.json', 'marathon-lb.zdd_apps.v2-apps-embed-tasks.json', 'marathon-lb.marathon15_apps.v2-apps-embed-tasks.json']) walk(json(join('marathon', f)));
  t.ok(pairs.length >= 7, `${pairs.length} task ids`);
  for (const [id, app] of pairs) t.equal(appIdFromTaskId(id), app, id);
  // deployments.json names a task "foo.instance-c9de6033" of app /foo (an instance-era id, legacy-shaped).
  const dep = JSON.stringify(json(join('marathon', 'deployments.json')));
  t.match(dep, /foo\.instance-c9de6033/);
  t.equal(appIdFromTaskId('foo.instance-c9de6033'), '/foo');
});

void t.test('ids from the Mesos fixtures (Diamond /monitor/statistics executors)', async (t) => {
  t.equal(appIdFromTaskId('com.domain.group_anotherApp.08002432371b'), '/com.domain.group/anotherApp', 'dots inside segments');
  t.equal(appIdFromTaskId('task_name.09b6f20c-b6a9-11e4-99f6-fa163ef210c0'), '/task/name');
  t.equal(appIdFromTaskId('no-separator'), undefined);
  t.equal(appIdFromTaskId('_x.y'), undefined, 'empty segment');
  t.equal(appIdFromExecutorId('marathon-lb.8cad6a69-6ca8-11e7-beb2-0e2beceebfcc'), '/marathon-lb', 'marathon- prefixed app names are apps');
});

void t.test('strict mode (framework unknown): PathId segments and a UUID', async (t) => {
  t.equal(appIdFromTaskId(shapes.legacy_task_id, { strict: true }), undefined, 'uppercase segments fail PathId rules');
  t.equal(appIdFromTaskId('shop_web.b6ff5fa5-7714-11e7-a55c-5ecf1c4671f6', { strict: true }), '/shop/web');
  t.equal(appIdFromTaskId('shop_web.instance-b6ff5fa5-7714-11e7-a55c-5ecf1c4671f6._app.2', { strict: true }), '/shop/web');
  t.equal(appIdFromExecutorId('instance-shop_web.b6ff5fa5-7714-11e7-a55c-5ecf1c4671f6', { strict: true }), '/shop/web');
  t.equal(appIdFromExecutorId('1424973010419-root-devel-hello_world-0-7e8f47b3-b1dc-4d1c-8e24-b0e1fa7b4d4f', { strict: true }), undefined, 'Aurora');
  t.equal(appIdFromExecutorId('ct:1436298853000:0:job:', { strict: true }), undefined, 'Chronos');
  t.equal(appIdFromTaskId('com.domain.group_anotherApp.08002432371b', { strict: true }), undefined, 'not a UUID');
});

void t.test('app key rule', async (t) => {
  const fw = { id: 'fw-1', name: 'marathon' };
  t.same(appKey(fw, 'x', ['shop_web.instance-b6ff5fa5-7714-11e7-a55c-5ecf1c4671f6._app.1'], 'yes'), { app: '/shop/web', marathon: true });
  t.same(appKey(fw, 'instance-shop_web.b6ff5fa5-7714-11e7-a55c-5ecf1c4671f6', [], 'yes'), { app: '/shop/web', marathon: true });
  t.same(appKey({ id: 'fw-2', name: 'chronos' }, 'shop_web.b6ff5fa5-7714-11e7-a55c-5ecf1c4671f6', [], 'no'), { app: 'chronos/shop_web.b6ff5fa5-7714-11e7-a55c-5ecf1c4671f6', marathon: false });
  t.same(appKey({ id: 'fw-2', name: '' }, 'ct:1:0:job:', [], 'unknown'), { app: 'fw-2/ct:1:0:job:', marathon: false });
  t.same(appKey(fw, 'no-separator', [], 'yes'), { app: 'marathon/no-separator', marathon: false });
});
