/**
 * When the tail source does its periodic work, I/O-free: the poll tick of the open files (new data,
 * truncation, rotation, idle handles), glob rescans (requested by file-system events and group changes, at
 * most one per SCAN_MIN_GAP_MS; and every rescanIntervalMs in any case), and how long the reading loop may
 * sleep when nothing is readable. The source asks and then does the work; times are monotonic milliseconds.
 */

/** Event-triggered rescans at most this often. */
const SCAN_MIN_GAP_MS = 50;

export class TailSchedule {
  private scanRequested = true;
  private lastScanEndMs = -Infinity;
  private nextRescanMs = 0;
  private nextPollMs = 0;

  constructor(private readonly pollIntervalMs: number, private readonly rescanIntervalMs: number) {}

  /** A rescan is wanted soon (a watched directory changed, the groups changed, a file moved). */
  requestScan(): void {
    this.scanRequested = true;
  }

  /** Whether the poll tick is due at `now`; when it is, the next one is scheduled. */
  pollDue(now: number): boolean {
    if (now < this.nextPollMs) return false;
    this.nextPollMs = now + this.pollIntervalMs;
    return true;
  }

  /** Whether a rescan is due at `now`: requested and the last one ended long enough ago, or periodic. */
  scanDue(now: number): boolean {
    return (this.scanRequested && now - this.lastScanEndMs >= SCAN_MIN_GAP_MS) || now >= this.nextRescanMs;
  }

  /** A rescan starts: the requests made so far are served by it. */
  scanStarted(): void {
    this.scanRequested = false;
  }

  /** A rescan ended at `now`: the next periodic one is due rescanIntervalMs (at least 100 ms) later. */
  scanEnded(now: number): void {
    this.lastScanEndMs = now;
    this.nextRescanMs = this.lastScanEndMs + Math.max(100, this.rescanIntervalMs);
  }

  /** How long to sleep at `now` with nothing readable: until the poll tick, a rescan, or `deadlineMs`. */
  idleDelayMs(now: number, deadlineMs: number): number {
    let at = Math.min(this.nextPollMs, this.nextRescanMs);
    if (this.scanRequested) at = Math.min(at, this.lastScanEndMs + SCAN_MIN_GAP_MS);
    at = Math.min(at, deadlineMs);
    return Math.max(1, at - now);
  }
}
