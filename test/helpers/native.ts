/**
 * The native line engine in tests: `testNativeLines()` loads the addon (native/build, built by
 * scripts/build-native.sh). Test files that need it call `requireNative(t)`: it skips them when the addon is
 * absent and cargo is not installed, and fails them when HERALD_TEST_NATIVE_REQUIRED=1 (set by the test
 * command whenever cargo is available: the addon must then have been built).
 * `HERALD_TEST_NATIVE=1` makes the tail tests' sources read through the engine (test/logs/tail/helpers.ts).
 */
import type { Test } from 'tap';
import { nativeBinding, nativeStatus, type NativeBinding } from '../../src/native/binding';
import { NativeLines } from '../../src/native/native-lines';
import type { Redactor } from '../../src/redact/redactor';

export function testBinding(): NativeBinding | undefined {
  return nativeBinding();
}

/**
 * NativeLines for tests (host `node-1.test`, as testContext), with the redaction rule sets given (default:
 * off). Every batch's Buffer starts at 512 bytes, so the engine holds events for want of room, and the
 * Buffer grows, in nearly every batch: those paths are what the tests run through.
 */
export function testNativeLines(redactorFor: (app: string) => Redactor | undefined = () => undefined): NativeLines {
  const b = nativeBinding();
  if (b === undefined) throw new Error(`the native line engine is not available: ${nativeStatus()}`);
  return new NativeLines(b, 'node-1.test', redactorFor, { outStartBytes: 512 });
}

/** False (and the test skipped, or failed when the addon is required) when the addon is not loaded. */
export function requireNative(t: Test): boolean {
  if (nativeBinding() !== undefined) return true;
  if (process.env['HERALD_TEST_NATIVE_REQUIRED'] === '1') t.fail(`the native line engine must be built: ${nativeStatus()}`);
  else t.comment(`skipped: native line engine not available: ${nativeStatus()}`);
  return false;
}

/** The tail tests run through the engine when HERALD_TEST_NATIVE=1. */
export function nativeForTailTests(): { nativeLines?: NativeLines } {
  return process.env['HERALD_TEST_NATIVE'] === '1' ? { nativeLines: testNativeLines() } : {};
}
