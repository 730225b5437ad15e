/**
 * File identity: device + inode + a fingerprint of the first bytes, never the path.
 *
 * - dev+ino tell two files apart while both exist; the fingerprint tells a file from a later file that
 *   reused the inode, and recognises a copy (`cp app.log app.log.1`, a different inode with the same bytes).
 * - The fingerprint is the SHA-1 of the first `fpLen` bytes, `fpLen = min(size, FINGERPRINT_MAX_BYTES)`,
 *   recorded together with `fpLen`. A file shorter than the maximum is fingerprinted again as it grows, and
 *   each refresh checks that the old prefix is unchanged: an appended file keeps its identity (its old
 *   prefix still matches), a file whose first bytes changed was truncated and rewritten (or is a new file on
 *   a reused inode) and is read again from 0.
 * - Matching a stored identity: same dev and ino, the file has at least `fpLen` bytes, and its first `fpLen`
 *   bytes hash to `fpHash`.
 */
import { createHash } from 'node:crypto';
import type { promises as fsp } from 'node:fs';

type FileHandle = fsp.FileHandle;

export const FINGERPRINT_MAX_BYTES = 1024;
const EMPTY_HASH = createHash('sha1').digest('hex');

export interface Fingerprint {
  /** Bytes covered (≤ FINGERPRINT_MAX_BYTES). */
  readonly fpLen: number;
  /** Hex SHA-1 of those bytes. */
  readonly fpHash: string;
}

export const EMPTY_FINGERPRINT: Fingerprint = { fpLen: 0, fpHash: EMPTY_HASH };

/** The table key of a file: `dev:ino` as decimal strings (bigint stats: inodes may exceed 2^53). */
export function fileKey(dev: bigint | string, ino: bigint | string): string {
  return `${dev}:${ino}`;
}

export function hashBytes(buf: Buffer, len: number): string {
  return createHash('sha1').update(buf.subarray(0, len)).digest('hex');
}

/** Reads up to FINGERPRINT_MAX_BYTES from the start of the file into `scratch`; returns the byte count. */
async function readPrefix(fh: FileHandle, scratch: Buffer): Promise<number> {
  let total = 0;
  while (total < FINGERPRINT_MAX_BYTES) {
    const { bytesRead } = await fh.read(scratch, total, FINGERPRINT_MAX_BYTES - total, total);
    if (bytesRead === 0) break;
    total += bytesRead;
  }
  return total;
}

export interface RefreshResult {
  /** False when the file no longer starts with the bytes `previous` covered (truncated/rewritten). */
  readonly samePrefix: boolean;
  readonly fingerprint: Fingerprint;
}

/**
 * Fingerprint of an open file, checked against the previous one in the same pass (one read of ≤ 1 KiB).
 * `scratch` must hold at least FINGERPRINT_MAX_BYTES.
 */
export async function refreshFingerprint(
  fh: FileHandle, previous: Fingerprint, scratch: Buffer,
): Promise<RefreshResult> {
  const n = await readPrefix(fh, scratch);
  if (n < previous.fpLen) return { samePrefix: false, fingerprint: { fpLen: n, fpHash: hashBytes(scratch, n) } };
  const h = createHash('sha1').update(scratch.subarray(0, previous.fpLen));
  const samePrefix = previous.fpLen === 0 || h.copy().digest('hex') === previous.fpHash;
  if (n === previous.fpLen) return { samePrefix, fingerprint: samePrefix ? previous : { fpLen: n, fpHash: h.digest('hex') } };
  h.update(scratch.subarray(previous.fpLen, n));
  return { samePrefix, fingerprint: { fpLen: n, fpHash: h.digest('hex') } };
}

/** Fingerprint of an open file from scratch. */
export async function computeFingerprint(fh: FileHandle, scratch: Buffer): Promise<Fingerprint> {
  const n = await readPrefix(fh, scratch);
  return { fpLen: n, fpHash: hashBytes(scratch, n) };
}

/** True when the file's first `expected.fpLen` bytes hash to `expected.fpHash`. */
export async function prefixMatches(fh: FileHandle, expected: Fingerprint, scratch: Buffer): Promise<boolean> {
  if (expected.fpLen === 0) return true;
  const n = await readPrefix(fh, scratch);
  return n >= expected.fpLen && hashBytes(scratch, expected.fpLen) === expected.fpHash;
}
