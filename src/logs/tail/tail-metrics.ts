/**
 * The tail source's own metrics. Labels are bounded: the source name and a fixed `kind`, never a path.
 * Children are bound once; the hot path sums locally and publishes once per batch.
 */
import type { Registry } from 'prom-client';
import { counter, gauge } from '../../observability/metrics';

export type RotationKind = 'rename' | 'truncate' | 'delete' | 'copy';

interface Inc { inc(value?: number): void }
interface Set { set(value: number): void }

export class TailMetrics {
  readonly lines: Inc;
  readonly bytes: Inc;
  readonly filesOpen: Set;
  readonly truncations: Inc;
  readonly linesTruncated: Inc;
  readonly offsetWriteErrors: Inc;
  readonly readErrors: Inc;
  private readonly rotations: Record<RotationKind, Inc>;

  constructor(registry: Registry, source: string) {
    const labels = { source };
    this.lines = counter(registry, 'herald_tail_lines_total', 'Physical lines read from tailed files', ['source']).labels(labels);
    this.bytes = counter(registry, 'herald_tail_bytes_total', 'Bytes read from tailed files', ['source']).labels(labels);
    this.filesOpen = gauge(registry, 'herald_tail_files_open', 'Tailed files currently open', ['source']).labels(labels);
    this.truncations = counter(
      registry, 'herald_tail_truncations_total', 'Files found shorter than the read position (copytruncate)', ['source'],
    ).labels(labels);
    this.linesTruncated = counter(
      registry, 'herald_tail_lines_truncated_total', 'Events cut at max_line_bytes', ['source'],
    ).labels(labels);
    this.offsetWriteErrors = counter(
      registry, 'herald_tail_offset_write_errors_total', 'Failed writes of the offsets file', ['source'],
    ).labels(labels);
    this.readErrors = counter(
      registry, 'herald_tail_read_errors_total', 'I/O errors while opening or reading tailed files', ['source'],
    ).labels(labels);
    const rotations = counter(
      registry, 'herald_tail_rotations_total', 'Rotations seen, by kind (rename|truncate|delete|copy)', ['source', 'kind'],
    );
    this.rotations = {
      rename: rotations.labels({ source, kind: 'rename' }),
      truncate: rotations.labels({ source, kind: 'truncate' }),
      delete: rotations.labels({ source, kind: 'delete' }),
      copy: rotations.labels({ source, kind: 'copy' }),
    };
  }

  rotation(kind: RotationKind): void {
    this.rotations[kind].inc();
  }
}
