/**
 * The V8 heap tuning the agent sets at run time: allocation-site pretenuring off (at start, see
 * disablePretenuring), and how far V8 lets its heap grow past the live data before the next full collection
 * (V8's --heap-growing-percent), set from the configuration at start and on every reload.
 *
 * Under a steady stream of lines the agent's live data is small (25-35 MB: modules, caches, the batches in
 * flight), but it promotes short-lived objects all the time. Left to itself, V8 lets the old generation grow
 * to 100-135 MB of mostly garbage between full collections. With a fixed 30% it collects at ~1.3x the live
 * data: the foundation benchmark peaks at ~123 MiB instead of 116-200 MiB, for no measurable CPU with the
 * default batches of 1000 records (15-25% more with batches of 2000, which promote more; bench/README.md).
 * It is not a limit: with more live data (a long Elasticsearch outage) the heap still grows as far as it
 * must.
 */
import { setFlagsFromString } from 'node:v8';

/**
 * Turns off V8's allocation-site pretenuring, once, at start.
 *
 * V8 allocates the objects of an allocation site straight into the old generation once most of them
 * survive a scavenge. A batch's events and documents do: they live from the read to the acknowledgement,
 * across one scavenge, and then die. In 8 of 21 of the benchmark's runs on Node.js 26, V8 pretenured them:
 * the old generation then filled with short-lived objects and a full collection ran after every other
 * scavenge (70-77 in a run instead of 2-3), costing 25-40% more CPU per GiB. With pretenuring off, 23 runs
 * out of 23 had 2-3 full collections, for ~4% more CPU than a run that was spared (bench/README.md, seventh
 * round). Objects that do live long are still promoted by the scavenger after surviving it. Set at run
 * time because NODE_OPTIONS does not accept this V8 flag.
 */
export function disablePretenuring(setFlags: (flags: string) => void = setFlagsFromString): void {
  setFlags('--no-allocation-site-pretenuring');
}

/** `percent` 0 gives the choice back to V8's own heuristics. */
export function applyHeapGrowth(percent: number, setFlags: (flags: string) => void = setFlagsFromString): void {
  if (!Number.isInteger(percent) || percent < 0) throw new RangeError(`heap growth must be a whole number of percent ≥ 0, got ${percent}`);
  setFlags(`--heap-growing-percent=${percent}`);
}
