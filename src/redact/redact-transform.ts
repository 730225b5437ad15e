/**
 * The `redact` transform: every record passes here between QoS and routing, so customer data never reaches
 * an output in clear. Log events: message, error and every string of the parsed fields (nested objects and
 * arrays; whole values under secret-named keys). Metric points: tag values and string field values.
 * Records keep their shape: strings are replaced by strings in place (message, error, fields values), and
 * metric tags/fields objects are replaced by same-order copies when they change (they may be shared).
 * Identity (app id, task labels, docFragment) is Mesos metadata from the operator, not redacted.
 * Counters are summed per batch; Herald's own log says which rules are on and never a matched value.
 */
import type { Counter } from 'prom-client';
import type { Batch, Transform } from '../pipeline/contracts';
import type { ComponentContext } from '../pipeline/context';
import type { HeraldRecord, Identity, LogBlock, LogEvent, MetricPoint } from '../pipeline/records';
import { ErrorCode, HeraldError } from '../errors';
import { counter } from '../observability/metrics';
import type { RedactConfig } from './config';
import { Redaction } from './compile';
import type { Redactor } from './redactor';

export class RedactTransform implements Transform<HeraldRecord> {
  readonly name = 'redact';
  readonly redaction: Redaction;
  readonly #byIdentity = new WeakMap<Identity, Redactor>();
  readonly #matches: Counter<'rule'>;
  readonly #records: Counter<'kind'>;

  constructor(config: RedactConfig, context: ComponentContext) {
    this.redaction = new Redaction(config);
    const m = context.metrics;
    this.#matches = counter(m, 'herald_redact_matches_total', 'Values redacted, by rule', ['rule']);
    this.#records = counter(m, 'herald_redact_records_total', 'Records in which at least one value was redacted, by kind', ['kind']);
    const r = this.redaction;
    const on = r.ruleNames.slice(0, -1).filter((_, i) => r.base.isOn(i));
    context.logger.child({ component: 'redact', type: 'redact' }).info(
      { enabled: config.enabled, rules: on, custom: config.custom.length, overrides: config.overrides.length, hash: config.hash_key !== undefined },
      config.enabled ? 'redaction rules compiled' : 'redaction is OFF: records are shipped as they are',
    );
  }

  apply(batch: Batch<HeraldRecord>): Batch<HeraldRecord> {
    if (!this.redaction.enabled) return batch;
    let logs = 0;
    let metrics = 0;
    for (const rec of batch.records) {
      if (rec.kind === 'log') {
        if (this.#log(rec)) logs++;
      } else if (rec.kind === 'logblock') this.#block(rec);
      else if (this.#metric(rec)) metrics++;
    }
    if (logs > 0) this.#records.inc({ kind: 'log' }, logs);
    if (metrics > 0) this.#records.inc({ kind: 'metric' }, metrics);
    if (logs > 0 || metrics > 0) this.#publish();
    return batch;
  }

  #log(e: LogEvent): boolean {
    const r = this.#forIdentity(e.origin.identity);
    return r.active && r.redactEvent(e);
  }

  #forIdentity(identity: Identity): Redactor {
    let r = this.#byIdentity.get(identity);
    if (r === undefined) {
      r = this.redaction.forApp(identity.app);
      this.#byIdentity.set(identity, r);
    }
    return r;
  }

  /**
   * A native block (src/native) was judged on the node by the native gate of its app's rule set, which
   * fires whenever this stage could change something: those lines took the JavaScript path and arrive here
   * as log events. A block judged by another rule set (never expected: the gates are built from this
   * stage's rule sets) is refused, and the runner drops the batch loudly rather than ship it unjudged.
   */
  #block(b: LogBlock): void {
    const r = this.#forIdentity(b.origin.identity);
    if (b.judgedBy !== (r.active ? r : undefined)) {
      throw new HeraldError(ErrorCode.redact, `native documents of ${b.origin.path} were checked against another redaction rule set`);
    }
  }

  #metric(p: MetricPoint): boolean {
    const r = this.redaction.forApp(p.app);
    if (!r.active) return false;
    const tags = r.redactRecord(p.tags);
    const fields = r.redactRecord(p.fields);
    if (tags === p.tags && fields === p.fields) return false;
    p.tags = tags;
    p.fields = fields;
    return true;
  }

  /** Adds the batch's matches to the counters and clears them (labels: rule names, a bounded set). */
  #publish(): void {
    const counts = this.redaction.counts;
    const names = this.redaction.ruleNames;
    for (let i = 0; i < counts.length; i++) {
      const n = counts[i] as number;
      if (n > 0) {
        this.#matches.inc({ rule: names[i] }, n);
        counts[i] = 0;
      }
    }
  }
}
