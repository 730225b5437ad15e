import { defineComponent } from '../pipeline/registry';
import type { RedactConfig } from './config';
import { RedactTransform } from './redact-transform';

/** Redacts secrets and customer data (cards, e-mails, tokens, keys, passwords) in every record. */
export const redactTransform = defineComponent({
  kind: 'transform',
  type: 'redact',
  description: 'Redacts secrets and customer data (cards, e-mails, tokens, keys, passwords) before any output',
  create: (cfg: { config: RedactConfig }, context) => new RedactTransform(cfg.config, context),
});

export { redactSchema, type RedactConfig } from './config';
export { RedactTransform } from './redact-transform';
export { Redaction, compileRedaction } from './compile';
