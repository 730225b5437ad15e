/**
 * The Node.js runtime Herald ships on, and the flags every entry point starts it with.
 *
 * - The runtime is Node.js 26 (LTS). The container image is built on it, and the package's `node`
 *   dev dependency brings the same major into node_modules/.bin, so `npm start`, `npm test` and CI run on
 *   what production runs, whatever Node.js the machine has. Node.js 20 reached its end of life in April 2026.
 * - `--max-semi-space-size=4` keeps V8's young generation small (8 MiB of new space). With the native line
 *   engine (src/native) the agent allocates no JavaScript object per line, and a bigger young generation
 *   only adds resident memory: with 16 (Node.js 20's size) the peak RSS under load was 129 MiB to the file
 *   output and 156-178 MiB to Elasticsearch, with 4 it is 108 and 144, at the same or better throughput; the
 *   JavaScript path loses nothing measurable either (bench/README.md, ninth round). Node.js 26's own choice
 *   (64 MiB of new space here) was worse still. It can only be set on the command line, before the heap
 *   exists (`v8.setFlagsFromString` does not resize it), so bin/herald, scripts/start.sh, the image and the
 *   Marathon app each pass it; test/deploy/runtime.test.ts checks that they all do.
 */
export const RUNTIME_MAJOR = 26;

export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
