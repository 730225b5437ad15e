// Generates Herald's delivered dashboards and alerts from their descriptions, so that every query is built
// the same way and test/deploy/dashboards.test.ts can check each measurement, field and tag they use against
// the names the code emits. The descriptions live next to what they generate:
//   deploy/grafana/dashboards.mjs   → deploy/grafana/*.json           Grafana dashboards (Flux, ${DS_INFLUXDB})
//   deploy/influxdb/alerts.mjs      → deploy/influxdb/alerts/*.flux   InfluxDB 2.x alert tasks (monitor.check)
//   deploy/kibana/objects.mjs       → deploy/kibana/herald.ndjson     Kibana saved objects
// Usage: node scripts/gen-dashboards.mjs            write the files
//        node scripts/gen-dashboards.mjs --check    exit 1 naming the files that are missing or not current
// Only node built-ins.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { grafanaFiles } from '../deploy/grafana/dashboards.mjs';
import { alertFiles } from '../deploy/influxdb/alerts.mjs';
import { kibanaFiles } from '../deploy/kibana/objects.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const files = { ...grafanaFiles(), ...alertFiles(), ...kibanaFiles() };
const check = process.argv.includes('--check');
const stale = [];
for (const [rel, content] of Object.entries(files)) {
  const path = join(ROOT, rel);
  let current;
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === content) continue;
  if (check) {
    stale.push(rel);
  } else {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    process.stdout.write(`wrote ${rel}\n`);
  }
}
if (check && stale.length > 0) {
  process.stderr.write(`not current (run node scripts/gen-dashboards.mjs): ${stale.join(', ')}\n`);
  process.exitCode = 1;
}
