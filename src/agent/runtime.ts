/**
 * The Node.js runtime Herald ships on, and the flags every entry point starts it with.
 *
 * - The runtime is Node.js 26 (LTS). The container image is built on it, and the package's `node`
 *   dev dependency brings the same major into node_modules/.bin, so `npm start`, `npm test` and CI run on
 *   what production runs, whatever Node.js the machine has. Node.js 20 reached its end of life in April 2026.
 * - `--max-semi-space-size=16` keeps V8's young generation at Node.js 20's size (32 MiB of new space).
 *   Node.js 26 sizes it by the machine's memory (64 MiB here), which took the agent's peak RSS under load
 *   from 133-139 to 155-160 MiB, for a throughput gain this host's noise could not show (bench/README.md,
 *   seventh round). It can only be set on the command line, before the heap exists
 *   (`v8.setFlagsFromString` does not resize it), so bin/herald, scripts/start.sh, the image and the
 *   Marathon app each pass it; test/deploy/runtime.test.ts checks that they all do.
 */
export const RUNTIME_MAJOR = 26;

export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=16'];
