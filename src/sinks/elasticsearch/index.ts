import { defineComponent } from '../../pipeline/registry';
import type { ElasticsearchOutputConfig } from './config';
import type { ElasticsearchSink } from './elasticsearch-sink';

/** Log events to Elasticsearch (bulk API, ECS documents, dead-letter index, index templates). */
export const elasticsearchSink = defineComponent({
  kind: 'sink',
  type: 'elasticsearch',
  description: 'Log events to Elasticsearch: bulk requests, per-item retries with backoff, dead-letter index, ECS index templates',
  create: (cfg: { config: ElasticsearchOutputConfig }, context) => {
    const { ElasticsearchSink: Sink } = loadSinkModule();
    return new Sink({ config: cfg.config, context });
  },
});

/**
 * The sink and its client library are loaded when an Elasticsearch output is configured, not before: the
 * client weighs ~30 MB of resident memory that an agent writing the file output does not need.
 */
function loadSinkModule(): { ElasticsearchSink: typeof ElasticsearchSink } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberate lazy load (see above)
  return require('./elasticsearch-sink') as { ElasticsearchSink: typeof ElasticsearchSink };
}
