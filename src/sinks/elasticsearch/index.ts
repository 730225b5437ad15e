import { defineComponent } from '../../pipeline/registry';
import type { ElasticsearchOutputConfig } from './config';
import { ElasticsearchSink } from './elasticsearch-sink';

/** Log events to Elasticsearch (bulk API, ECS documents, dead-letter index, index templates). */
export const elasticsearchSink = defineComponent({
  kind: 'sink',
  type: 'elasticsearch',
  description: 'Log events to Elasticsearch: bulk requests, per-item retries with backoff, dead-letter index, ECS index templates',
  create: (cfg: { config: ElasticsearchOutputConfig }, context) => new ElasticsearchSink({ config: cfg.config, context }),
});
