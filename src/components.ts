/** Every component Herald can create, by type. Adding a component: one line here, one row in the README. */
import { ComponentRegistry } from './pipeline/registry';
import { tailSource } from './logs/tail';
import { fileSink } from './sinks/file';
import { elasticsearchSink } from './sinks/elasticsearch';
import { influxdbSink } from './sinks/influxdb';
import { mesosSandboxesSource } from './logs/sandbox';
import { hostMetricsSource, mesosMetricsSource } from './metrics';
import { scrapeSource } from './scrape';
import { throttle } from './qos';
import { redactTransform } from './redact';

export const registry = new ComponentRegistry([
  tailSource,
  mesosSandboxesSource,
  mesosMetricsSource,
  hostMetricsSource,
  scrapeSource,
  throttle,
  redactTransform,
  elasticsearchSink,
  influxdbSink,
  fileSink,
]);
