import { defineComponent } from '../pipeline/registry';
import type { QosConfig } from './config';
import { Throttle } from './throttle';

export { Throttle } from './throttle';
export { QosSummarySource } from './summary-source';
export { qosSchema, type QosConfig } from './config';

/**
 * Per-app QoS: token buckets (lines and bytes) per app, priority shares of a node ceiling, metric series
 * budgets. Pair it with `new QosSummarySource(throttle, context.logger)` among the sources, so summaries
 * are emitted even when no batch flows.
 */
export const throttle = defineComponent({
  kind: 'transform',
  type: 'throttle',
  description: 'Per-app throttle: lines and bytes per app, priority shares of a node ceiling, metric series budgets; drops counted and summarised',
  create: (cfg: { config: QosConfig }, context) => new Throttle(cfg.config, context),
});
