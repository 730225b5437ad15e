/** `/proc/loadavg` (`0.10 0.08 0.06 2/345 12345`) → `host_load`: load1/5/15, runnable and total threads. */
export function parseLoadavg(text: string): Record<string, number> | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+(\d+)\/(\d+)/.exec(text);
  if (!m) return undefined;
  return { load1: Number(m[1]), load5: Number(m[2]), load15: Number(m[3]), procs_running: Number(m[4]), procs_total: Number(m[5]) };
}
