/**
 * Recognising the lines that Mesos itself writes into a sandbox's stdout/stderr, so that they can be tagged
 * (event.dataset `mesos.executor`, log.logger) instead of passing for the app's output (FORMATS.md §2.4).
 *
 * The rule, chosen so that an app's own lines are not mis-tagged:
 * - stdout of a run's sandbox (not a nested container's, not extra files): the phrasings the command
 *   executor of Mesos < 1.4 prints with `cout` (src/launcher/executor.cpp, 0.2x–1.3), matched as whole
 *   phrases with their variable parts checked (`Forked command at <digits>`, `Starting task <one of the
 *   run's task ids or its executor id>`, `Command exited with status <n> (pid: <n>)`, ...), plus the process
 *   tree the executor prints after "... the following process trees:" (`[ -+- <pid> ...` up to `]`).
 * - stderr of any sandbox: glog lines whose source file is one of the executors', the fetcher's or the
 *   container launcher's (EXECUTOR_GLOG_FILES), and glog's "Logging before InitGoogleLogging()" banner.
 *   An app's glog-looking lines from other files (a C++ app, a framework scheduler using libmesos, whose
 *   lines come from sched.cpp, process.cpp, ...) stay the app's; Java and other apps never log `*.cpp`.
 * Cost: a switch on the first character, then startsWith/equality checks; the glog check is a bounded
 * left-to-right scan (no regular expression, so no backtracking on long or hostile lines).
 */
import { codeAt } from '../parse/time';

/** glog source files of Mesos' executors, fetcher and launcher → the log.logger their lines get. */
export const EXECUTOR_GLOG_FILES: ReadonlyMap<string, string> = new Map([
  ['exec.cpp', 'mesos-executor'], // executor driver (all executors)
  ['executor.cpp', 'mesos-executor'], // command executor (launcher/executor.cpp), docker executor, v1 executor library
  ['default_executor.cpp', 'mesos-executor'],
  ['health_checker.cpp', 'mesos-executor'],
  ['checker_process.cpp', 'mesos-executor'],
  ['fetcher.cpp', 'mesos-fetcher'],
  ['launch.cpp', 'mesos-containerizer'], // `mesos-containerizer launch`, in the container before the task starts
  ['launcher.cpp', 'mesos-containerizer'],
]);

export const GLOG_BANNER = 'WARNING: Logging before InitGoogleLogging() is written to STDERR';

/** The source file of a glog line (`Lmmdd hh:mm:ss.uuuuuu thread file:line] msg`), or undefined. */
export function glogSourceFile(s: string): string | undefined {
  const c0 = codeAt(s, 0);
  if (c0 !== 73 && c0 !== 87 && c0 !== 69 && c0 !== 70) return undefined; // I W E F
  if (codeAt(s, 5) !== 32 || codeAt(s, 8) !== 58 || codeAt(s, 11) !== 58) return undefined;
  let p = 14;
  if (codeAt(s, p) === 46) {
    p++;
    const end = p + 9;
    while (p < end && isDigit(codeAt(s, p))) p++;
  }
  if (codeAt(s, p) !== 32) return undefined;
  const spacesEnd = p + 24;
  while (p < spacesEnd && codeAt(s, p) === 32) p++;
  const threadStart = p;
  const threadEnd = p + 20;
  while (p < threadEnd && isDigit(codeAt(s, p))) p++;
  if (p === threadStart || codeAt(s, p) !== 32) return undefined;
  const fileStart = ++p;
  const fileEnd = p + 64;
  while (p < fileEnd) {
    const c = codeAt(s, p);
    if (c === 58 || c === 32 || c === 93 || c === 0) break;
    p++;
  }
  if (p === fileStart || codeAt(s, p) !== 58) return undefined;
  const colon = p++;
  const lineStart = p;
  while (p < lineStart + 10 && isDigit(codeAt(s, p))) p++;
  if (p === lineStart || codeAt(s, p) !== 93) return undefined;
  return s.slice(fileStart, colon);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function digitsFrom(s: string, from: number, to = s.length): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}

const RECEIVED_EVENTS = new Set(
  ['SUBSCRIBED', 'LAUNCH', 'LAUNCH_GROUP', 'KILL', 'ACKNOWLEDGED', 'MESSAGE', 'SHUTDOWN', 'ERROR', 'HEARTBEAT', 'UNKNOWN']
    .map((e) => `Received ${e} event`),
);
const TREE_TRIGGERS = new Set([
  'Sent SIGTERM to the following process trees:',
  'Killing the following process trees:',
  'Killed the following process trees:',
]);
/** A process tree printout longer than this is not followed further (bounded state). */
const MAX_TREE_LINES = 10_000;

/** `<prefix><digits>` exactly. */
function prefixDigits(s: string, prefix: string): boolean {
  return s.startsWith(prefix) && digitsFrom(s, prefix.length);
}

/** `<prefix>...(pid: <digits>)`: the command executor's exit line. */
function exitLine(s: string, prefix: string): boolean {
  if (!s.startsWith(prefix) || codeAt(s, s.length - 1) !== 41) return false;
  const at = s.lastIndexOf(' (pid: ');
  return at >= prefix.length && digitsFrom(s, at + 7, s.length - 1);
}

/**
 * The command executor's stdout phrases (Mesos < 1.4). Stateful only for the process tree printout that
 * follows a kill; one instance per watch group (one sandbox's stdout and its rotated files).
 */
export class StdoutPhrases {
  /** 0: normal; 1: a tree trigger was seen, `[ ` expected; 2: inside a tree printout. */
  private tree = 0;
  private treeLines = 0;

  /** `taskIds`: the ids "Starting task" may name (the run's tasks and its executor id). */
  constructor(private readonly taskIds: ReadonlySet<string>) {}

  matches(s: string): boolean {
    if (this.tree !== 0) {
      const inTree = this.tree === 1 ? s.startsWith('[ ') : codeAt(s, 0) === 32;
      if (inTree && ++this.treeLines < MAX_TREE_LINES) {
        this.tree = codeAt(s, s.length - 1) === 93 ? 0 : 2; // "... ]" closes the list
        return true;
      }
      this.tree = 0;
    }
    switch (codeAt(s, 0)) {
      case 82: // R
        return RECEIVED_EVENTS.has(s) || s.startsWith('Registered executor on ') || s.startsWith('Re-registered executor on ')
          || s.startsWith('Registered docker executor on ') || s.startsWith('Re-registered docker executor on ')
          || s.startsWith('Received killTask') || s.startsWith('Received kill for task ')
          || s === 'Received task health update, healthy: true' || s === 'Received task health update, healthy: false'
          || (s.startsWith('Rescheduling escalation to SIGKILL in ') && s.endsWith(' from now'));
      case 83: // S
        if (TREE_TRIGGERS.has(s)) return this.startTree();
        return s === 'Shutting down' || s.startsWith('Subscribed executor on ')
          || (s.startsWith('Starting task ') && this.taskIds.has(s.slice(14)))
          || prefixDigits(s, 'Sending SIGTERM to process tree at pid ')
          || (s.startsWith('Scheduling escalation to SIGKILL in ') && s.endsWith(' from now'));
      case 75: // K
        return TREE_TRIGGERS.has(s) && this.startTree();
      case 70: // F
        return prefixDigits(s, 'Forked command at ') || s === 'Forking another process and retrying'
          || s.startsWith('Failed to get exit status for Command');
      case 67: // C
        return exitLine(s, 'Command exited with status ') || exitLine(s, 'Command terminated with signal ');
      case 115: // s
        return s.startsWith("sh -c '") && s.endsWith("'") && s.length > 8;
      case 80: { // P: "Process <pid> did not terminate after <d>, sending SIGKILL to process tree at <pid>"
        if (!s.startsWith('Process ')) return false;
        const sp = s.indexOf(' ', 8);
        return sp > 8 && digitsFrom(s, 8, sp) && s.startsWith(' did not terminate after ', sp);
      }
      case 76: // L
        return s.startsWith('Launching health check process: ');
      default:
        return false;
    }
  }

  private startTree(): true {
    this.tree = 1;
    this.treeLines = 0;
    return true;
  }
}
