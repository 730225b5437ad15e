/**
 * Where Mesos puts container cgroups (FORMATS.md §3.1) and which cgroup version this host runs.
 * v1: `<root>/<subsystem>/<mesos_root>/<id>`, nested `…/<id>/mesos/<child>`; cpu and cpuacct are often
 * co-mounted (`cpu,cpuacct`), so each subsystem's directory is resolved once, from the mount table.
 * v2: `<root>/<mesos_root>/<id>` (non-leaf; the processes live in `…/<id>/leaf`). The non-leaf is read: v2
 * statistics are hierarchical, so it covers the leaf and any nested containers.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const V1_SUBSYSTEMS = ['cpu', 'cpuacct', 'memory', 'blkio'] as const;
export type V1Subsystem = (typeof V1_SUBSYSTEMS)[number];

/** Mesos's CGROUP_SEPARATOR between a parent container's cgroup and its children. */
export const NESTED_SEPARATOR = 'mesos';

export interface CgroupLayout {
  readonly version: 1 | 2;
  readonly root: string;
  readonly mesosRoot: string;
  /** v1 only: the mounted directory of each subsystem present. */
  readonly subsystems: Readonly<Partial<Record<V1Subsystem, string>>>;
}

interface MountLine {
  dir: string;
  type: string;
  options: string[];
}

function parseMounts(text: string): MountLine[] {
  const out: MountLine[] = [];
  for (const line of text.split('\n')) {
    const parts = line.split(' ');
    if (parts.length < 4) continue;
    // /proc/mounts escapes spaces in paths as \040.
    out.push({ dir: (parts[1] as string).replace(/\\040/g, ' '), type: parts[2] as string, options: (parts[3] as string).split(',') });
  }
  return out;
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Detect the layout under `root`. The mount table decides when `root` or its children are mount points
 * (a real host); otherwise (a tree under a test directory) the files do: `cgroup.controllers` in `root`
 * means v2, subsystem directories mean v1. A hybrid host (v1 controllers plus an empty `unified` v2) is v1:
 * that is where Mesos's v1 isolators put containers. Undefined when neither is found.
 */
export async function detectLayout(root: string, mesosRoot: string, mountsText?: string): Promise<CgroupLayout | undefined> {
  let mounts: MountLine[];
  try {
    mounts = parseMounts(mountsText ?? (await readFile('/proc/self/mounts', 'utf8')));
  } catch {
    mounts = [];
  }
  const base = root.replace(/\/+$/, '');
  if (mounts.some((m) => m.dir === base && m.type === 'cgroup2')) return { version: 2, root: base, mesosRoot, subsystems: {} };
  const subsystems: Partial<Record<V1Subsystem, string>> = {};
  for (const m of mounts) {
    if (m.type !== 'cgroup' || !m.dir.startsWith(`${base}/`)) continue;
    for (const s of V1_SUBSYSTEMS) if (m.options.includes(s) && subsystems[s] === undefined) subsystems[s] = m.dir;
  }
  if (Object.keys(subsystems).length > 0) return { version: 1, root: base, mesosRoot, subsystems };
  // Not mount points: decide from the files.
  try {
    await stat(join(base, 'cgroup.controllers'));
    return { version: 2, root: base, mesosRoot, subsystems: {} };
  } catch {
    // not v2
  }
  let names: string[];
  try {
    names = await readdir(base);
  } catch {
    return undefined;
  }
  for (const name of names) {
    const parts = name.split(',');
    for (const s of V1_SUBSYSTEMS) {
      if (parts.includes(s) && (subsystems[s] === undefined || name === s) && (await isDir(join(base, name)))) subsystems[s] = join(base, name);
    }
  }
  return Object.keys(subsystems).length > 0 ? { version: 1, root: base, mesosRoot, subsystems } : undefined;
}

/**
 * Relative cgroup path of a container: `<mesos_root>/<id>`, nested `<mesos_root>/<parent>/mesos/<child>`
 * (ids from the outermost parent to the container itself).
 */
export function containerCgroup(layout: CgroupLayout, ids: readonly string[]): string {
  return [layout.mesosRoot, ...ids.flatMap((id, i) => (i === 0 ? [id] : [NESTED_SEPARATOR, id]))].join('/');
}

/** Directory of a container's cgroup for a v1 subsystem (undefined when the subsystem is not mounted) or v2. */
export function containerDir(layout: CgroupLayout, ids: readonly string[], subsystem?: V1Subsystem): string | undefined {
  if (layout.version === 2) return join(layout.root, containerCgroup(layout, ids));
  const dir = subsystem === undefined ? undefined : layout.subsystems[subsystem];
  return dir === undefined ? undefined : join(dir, containerCgroup(layout, ids));
}

/** Top-level container ids with a cgroup (v1: union of cpuacct and memory; v2: dirs under the mesos root). */
export async function listContainers(layout: CgroupLayout): Promise<string[]> {
  const parents =
    layout.version === 2
      ? [join(layout.root, layout.mesosRoot)]
      : (['cpuacct', 'memory'] as const).flatMap((s) => (layout.subsystems[s] ? [join(layout.subsystems[s], layout.mesosRoot)] : []));
  const ids = new Set<string>();
  for (const p of parents) {
    try {
      for (const e of await readdir(p, { withFileTypes: true })) if (e.isDirectory() && e.name !== 'leaf') ids.add(e.name);
    } catch {
      // no mesos root under this subsystem: no containers there
    }
  }
  return [...ids].sort();
}
