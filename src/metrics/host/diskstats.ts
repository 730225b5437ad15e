/**
 * `/proc/diskstats` → `host_disk`, one point per whole disk (tag `device`). Partitions are left out (their
 * I/O is in the disk's), and so are `loop*`/`ram*`/`zram*` by default: the device set stays small and
 * stable. Columns (Documentation/admin-guide/iostats.rst): reads, reads merged, sectors read, ms reading,
 * writes, writes merged, sectors written, ms writing, I/Os in progress, ms doing I/O, weighted ms.
 * Sectors are always 512 bytes in this file, whatever the device's sector size.
 */
import { columns } from './deltas';

export interface DiskLine {
  device: string;
  /** reads, readsMerged, sectorsRead, msReading, writes, writesMerged, sectorsWritten, msWriting, inProgress, msIo, weightedMs */
  values: number[];
}

export const DEFAULT_DISK_EXCLUDE = ['loop*', 'ram*', 'zram*'];

export function parseDiskstats(text: string): { lines: DiskLine[]; invalid: number } {
  const lines: DiskLine[] = [];
  let invalid = 0;
  for (const raw of text.split('\n')) {
    const parts = raw.trim().split(/\s+/);
    if (parts.length < 14) {
      if (raw.trim() !== '') invalid++;
      continue;
    }
    const values = columns(parts, 3, 11);
    if (values.some(Number.isNaN)) {
      invalid++;
      continue;
    }
    lines.push({ device: parts[2] as string, values });
  }
  return { lines, invalid };
}

/** Rates from the deltas of two samples of one device. */
export function diskFields(deltas: readonly number[], dtSec: number, inProgress: number): Record<string, number> {
  const d = (i: number) => deltas[i] as number;
  return {
    reads_per_sec: d(0) / dtSec,
    writes_per_sec: d(4) / dtSec,
    read_bytes_per_sec: (d(2) * 512) / dtSec,
    write_bytes_per_sec: (d(6) * 512) / dtSec,
    read_time_ms_per_sec: d(3) / dtSec,
    write_time_ms_per_sec: d(7) / dtSec,
    // ms spent doing I/O per ms elapsed: the "%util" of iostat, as a fraction (capped: the kernel's
    // accounting can run slightly ahead of our clock).
    io_time_fraction: Math.min(1, d(9) / (dtSec * 1000)),
    ios_in_progress: inProgress,
  };
}
