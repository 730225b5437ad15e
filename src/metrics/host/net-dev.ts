/**
 * `/proc/net/dev` → `host_net`, one point per interface (tag `interface`). `lo` and per-container
 * interfaces (`veth*`, created and destroyed with containers: unbounded tag values over time) are left out
 * by default. Columns after `iface:`: receive bytes packets errs drop fifo frame compressed multicast,
 * transmit bytes packets errs drop fifo colls carrier compressed.
 */
import { columns } from './deltas';

export const DEFAULT_INTERFACE_EXCLUDE = ['lo', 'veth*'];

export interface NetLine {
  iface: string;
  /** rx bytes, packets, errs, drop; tx bytes, packets, errs, drop */
  values: number[];
}

export const NET_FIELDS = ['rx_bytes', 'rx_packets', 'rx_errors', 'rx_dropped', 'tx_bytes', 'tx_packets', 'tx_errors', 'tx_dropped'] as const;

export function parseNetDev(text: string): { lines: NetLine[]; invalid: number } {
  const lines: NetLine[] = [];
  let invalid = 0;
  for (const raw of text.split('\n')) {
    const colon = raw.indexOf(':');
    if (colon < 0 || raw.includes('|')) continue; // the two header lines
    const iface = raw.slice(0, colon).trim();
    const parts = raw.slice(colon + 1).trim().split(/\s+/);
    const all = columns(parts, 0, 16);
    if (iface === '' || all.some(Number.isNaN)) {
      invalid++;
      continue;
    }
    lines.push({ iface, values: [all[0], all[1], all[2], all[3], all[8], all[9], all[10], all[11]] as number[] });
  }
  return { lines, invalid };
}

/** A name filter from simple patterns: `name` exactly, or `prefix*`. */
export function nameFilter(patterns: readonly string[]): (name: string) => boolean {
  const exact = new Set(patterns.filter((p) => !p.endsWith('*')));
  const prefixes = patterns.filter((p) => p.endsWith('*')).map((p) => p.slice(0, -1));
  return (name) => exact.has(name) || prefixes.some((p) => name.startsWith(p));
}
