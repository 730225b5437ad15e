import { z } from 'zod';
import { durationMs, sizeBytes } from '../config/units';

export const pipelineSchema = z
  .strictObject({
    batch_max_records: z.number().int().min(1).max(100_000).default(1000).describe('Most records a source puts in one batch. Smaller batches keep less data alive between reads and acknowledgements (lower memory and garbage-collection cost); 1000 measured best on the foundation benchmark (bench/README.md)'),
    batch_max_bytes: sizeBytes('Most bytes of raw input a source puts in one batch').default(512 * 1024),
    batch_max_wait_ms: durationMs('How long a source waits to fill a batch before sending what it has').default(200),
    max_in_flight_batches: z.number().int().min(1).max(64).default(4).describe('Batches of one source written but not yet acknowledged; beyond this the source pauses'),
    shutdown_timeout_ms: durationMs('On SIGTERM/SIGINT or reload: how long in-flight batches may take to be acknowledged before Herald gives up on them (they are re-read on restart)').default(10_000),
  })
  .describe('Batching, backpressure and shutdown');

export type PipelineConfig = z.infer<typeof pipelineSchema>;
