/**
 * Filesystem usage of the configured mount points via `statfs` → `host_filesystem` (tag `path`, from the
 * config: bounded). `used_fraction` follows `df`: used / (used + available to unprivileged users), so the
 * root-reserved blocks count as unavailable.
 */
import { statfs } from 'node:fs/promises';

export async function filesystemFields(path: string): Promise<Record<string, number>> {
  const s = await statfs(path);
  const total = s.blocks * s.bsize;
  const free = s.bfree * s.bsize;
  const avail = s.bavail * s.bsize;
  const used = total - free;
  const fields: Record<string, number> = {
    total_bytes: total,
    free_bytes: free,
    available_bytes: avail,
    used_bytes: used,
    inodes_total: s.files,
    inodes_free: s.ffree,
  };
  if (used + avail > 0) fields['used_fraction'] = used / (used + avail);
  if (s.files > 0) fields['inodes_used_fraction'] = (s.files - s.ffree) / s.files;
  return fields;
}
