/** Opening a buffer segment left by a previous run: count its lines and cut a torn tail. */
import { open } from 'node:fs/promises';

const READ_CHUNK_BYTES = 1024 * 1024;

export interface SegmentScan {
  /** Size after the repair. */
  bytes: number;
  /** Complete (newline-terminated) lines: one point each. */
  points: number;
  /** Bytes cut from the end: a write torn by a crash, never acknowledged. */
  cut: number;
}

/**
 * Reads the segment once (in 1 MiB chunks, so memory stays flat), counting newlines, and truncates it just
 * after its last newline. Every append ends with a newline and is acknowledged only after fdatasync, so
 * bytes after the last newline belong to an append that was never acknowledged.
 */
export async function repairSegment(path: string): Promise<SegmentScan> {
  const fh = await open(path, 'r+');
  try {
    const { size } = await fh.stat();
    const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, Math.max(size, 1)));
    let pos = 0;
    let points = 0;
    let lastNewlineEnd = 0;
    while (pos < size) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - pos), pos);
      if (bytesRead === 0) break;
      for (let i = buf.indexOf(0x0a); i >= 0 && i < bytesRead; i = buf.indexOf(0x0a, i + 1)) {
        points++;
        lastNewlineEnd = pos + i + 1;
      }
      pos += bytesRead;
    }
    const cut = size - lastNewlineEnd;
    if (cut > 0) {
      await fh.truncate(lastNewlineEnd);
      await fh.datasync();
    }
    return { bytes: lastNewlineEnd, points, cut };
  } finally {
    await fh.close();
  }
}
