/**
 * Content negotiation for Prometheus-style endpoints: ask for OpenMetrics first and the text format as a
 * fallback (the Accept header Prometheus itself sends), then parse by the Content-Type the server answered.
 */
import { parseOpenMetrics } from './openmetrics';
import { parsePrometheusText } from './prom-text';
import type { ParseResult, SampleHandler } from './exposition';

export const ACCEPT_PROMETHEUS =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
export const ACCEPT_OPENMETRICS = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75';

export type ExpositionFormat = 'openmetrics' | 'text';

/** The format of a response by its Content-Type: OpenMetrics only when it says so, else text 0.0.4. */
export function formatOfContentType(contentType: string | undefined): ExpositionFormat {
  if (contentType === undefined) return 'text';
  const semi = contentType.indexOf(';');
  const media = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  return media === 'application/openmetrics-text' ? 'openmetrics' : 'text';
}

/** Parse a Prometheus-style payload by its Content-Type; OpenMetrics value rules are counted, not fatal. */
export function parseExposition(body: string, contentType: string | undefined, handler: SampleHandler): ParseResult {
  return formatOfContentType(contentType) === 'openmetrics'
    ? parseOpenMetrics(body, handler, false)
    : parsePrometheusText(body, handler);
}
