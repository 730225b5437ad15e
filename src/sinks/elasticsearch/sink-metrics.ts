/** The Elasticsearch sink's own metrics (names used by deploy/ dashboards: rename both together). */
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { counter, gauge, histogram } from '../../observability/metrics';

export type DocumentOutcome = 'delivered' | 'retried' | 'dead_lettered' | 'dropped';
export type DropReason = 'dead_letter_failed' | 'too_large' | 'not_a_log_event';
export type RequestResult = 'ok' | 'item_errors' | 'http_error' | 'connection_error';

export class SinkMetrics {
  readonly documents: Record<DocumentOutcome, Counter.Internal>;
  readonly drops: Counter<'reason'>;
  readonly requestSeconds: Histogram<'result'>;
  readonly bytes: Counter.Internal;
  readonly inFlight: Gauge.Internal<string>;
  readonly pending: Gauge.Internal<string>;
  readonly templateReady: Gauge.Internal<string>;

  constructor(registry: Registry) {
    const docs = counter(registry, 'herald_elasticsearch_documents_total', 'Documents by outcome: delivered, retried (each re-send), dead_lettered (stored in the dead-letter index), dropped', ['outcome']);
    this.documents = {
      delivered: docs.labels({ outcome: 'delivered' }),
      retried: docs.labels({ outcome: 'retried' }),
      dead_lettered: docs.labels({ outcome: 'dead_lettered' }),
      dropped: docs.labels({ outcome: 'dropped' }),
    };
    this.drops = counter(registry, 'herald_elasticsearch_dropped_total', 'Documents dropped, by reason', ['reason']);
    this.requestSeconds = histogram(registry, 'herald_elasticsearch_bulk_request_duration_seconds', 'Bulk request latency, by result', ['result'], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);
    this.bytes = counter(registry, 'herald_elasticsearch_bulk_bytes_total', 'Bytes of bulk request bodies sent (re-sends included)').labels({});
    this.inFlight = gauge(registry, 'herald_elasticsearch_requests_in_flight', 'Bulk requests awaiting an answer').labels({});
    this.pending = gauge(registry, 'herald_elasticsearch_pending_documents', 'Documents accepted by the sink and not yet settled (buffered, in flight or waiting to be re-sent)').labels({});
    this.templateReady = gauge(registry, 'herald_elasticsearch_template_ready', '1 once the index templates are installed or found current (writes wait for it)').labels({});
  }
}
