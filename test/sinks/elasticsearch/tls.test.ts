/** HTTPS with a CA file: a certificate made by the openssl CLI at test time, served by the bulk-receiver. */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ElasticsearchSink } from '../../../src/sinks/elasticsearch/elasticsearch-sink';
import { BulkReceiver } from '../../helpers/bulk-receiver';
import { testContext } from '../../helpers/context';
import { esConfig, events, stateAfter } from './helpers';

/** A CA, and a server certificate for 127.0.0.1 signed by it. */
function makeCertificates(dir: string): { caFile: string; otherCaFile: string; cert: string; key: string } {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=herald-test-ca', '-keyout', 'ca.key', '-out', 'ca.pem');
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=other-ca', '-keyout', 'other.key', '-out', 'other.pem');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'san.ext', '-out', 'server.pem');
  return { caFile: join(dir, 'ca.pem'), otherCaFile: join(dir, 'other.pem'), cert: readFileSync(join(dir, 'server.pem'), 'utf8'), key: readFileSync(join(dir, 'server.key'), 'utf8') };
}

void t.test('TLS: verified with ca_file; an unknown CA is refused (the write waits); insecure_skip_verify skips the check', async (t) => {
  const dir = t.testdir();
  const certs = makeCertificates(dir);
  const r = await BulkReceiver.start({ tls: { cert: certs.cert, key: certs.key } });
  t.teardown(() => r.close());
  t.match(r.url, /^https:/);

  const good = new ElasticsearchSink({ config: esConfig({ url: r.url, tls: { ca_file: certs.caFile } }), context: testContext(dir) });
  t.same(await good.write({ records: events('tls', 4) }), { delivered: 4, dropped: 0 });
  t.equal(r.documentCount, 4);
  await good.close(1000);

  const wrong = new ElasticsearchSink({ config: esConfig({ url: r.url, tls: { ca_file: certs.otherCaFile } }), context: testContext(dir) });
  const w = wrong.write({ records: events('tls', 2) });
  t.equal(await stateAfter(w, 500), 'pending', 'a certificate from another CA is not trusted: nothing is sent, the write waits');
  await wrong.close(100);
  await t.rejects(w, { code: 'HERALD_E_SINK_CLOSED' });
  t.equal(r.documentCount, 4);

  const insecure = new ElasticsearchSink({ config: esConfig({ url: r.url, tls: { insecure_skip_verify: true } }), context: testContext(dir) });
  t.same(await insecure.write({ records: events('tls', 1) }), { delivered: 1, dropped: 0 });
  await insecure.close(1000);
});
