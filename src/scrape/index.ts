import { defineComponent } from '../pipeline/registry';
import type { MesosMetadata } from '../mesos/model';
import type { ScrapeConfig } from './config';
import { ScrapeSource } from './scrape-source';

/** The scrape collector: static targets, Herald's own /metrics, and targets discovered from Mesos task labels. */
export const scrapeSource = defineComponent({
  kind: 'source',
  type: 'scrape',
  description: 'Scrapes Prometheus/OpenMetrics, JSON and HAProxy CSV endpoints and runs HTTP/TCP health checks, declared in config or discovered from Mesos task labels',
  create: (cfg: { config: ScrapeConfig; metadata?: MesosMetadata; selfUrl?: string }, context) =>
    new ScrapeSource({ name: 'scrape', config: cfg.config, context, metadata: cfg.metadata, selfUrl: cfg.selfUrl }),
});

export { scrapeSchema, type ScrapeConfig } from './config';
export { ScrapeSource } from './scrape-source';
