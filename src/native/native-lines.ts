/**
 * What the tail sources need to hand files to the native line engine: the loaded addon, the host name the
 * documents carry, the redaction gate of each app's rule set, the local time zone, and the pool of the
 * blocks' Buffers. Built once per pipeline (src/agent/assemble.ts) from the same redaction rule sets as the
 * redaction stage, which checks that every block was judged by its app's rule set.
 *
 * A group's files go to the engine when it parses the group's format and can match its multiline pattern
 * exactly, and the app's rule set has a gate (see gate-config.ts): otherwise they stay on the JavaScript path.
 */
import type { LogFormat } from '../logs/parse/contract';
import type { LogOrigin } from '../pipeline/records';
import { EXECUTOR_DATASET } from '../logs/sandbox/sandbox-parser';
import { DocumentEncoder, logHead } from '../sinks/elasticsearch/encode';
import type { MultilineConfig } from '../logs/tail/multiline';
import type { Redactor } from '../redact/redactor';
import { BufferPool } from '../sinks/ndjson-writer';
import type { EngineConfig, NativeBinding } from './binding';
import { gateConfig } from './gate-config';
import { rustStartPattern } from './multiline-pattern';
import { zoneAround, zoneCovers, type Zone } from './zone';

/** What the engine writes around each document's own values (native/src/encode.rs, OriginParts). */
export interface OriginParts {
  readonly logHead: Buffer;
  readonly tail: Buffer;
  /** The tail for `event.dataset: mesos.executor` (sandbox executor lines). */
  readonly tailExecutor: Buffer;
}

/** The parser the engine runs for a group, with the options of sandbox streams. */
export interface NativeParser {
  readonly parser: LogFormat | 'sandbox';
  readonly sandboxMode?: string;
  readonly executorRule?: string;
  readonly taskIds?: readonly string[];
}

/** Formats the engine parses itself (native/src/parse). */
const NATIVE_FORMATS: ReadonlySet<string> = new Set(['plain', 'syslog', 'haproxy', 'json', 'glog', 'sandbox']);

/** A group's engine settings, minus the origin's parts (per file) and the zone (per batch). */
export interface NativeGroupSpec {
  readonly parser: NativeParser;
  readonly multiline: EngineConfig['multiline'];
  readonly gate: object | null;
  /** The rule set the gate was built from (LogBlock.judgedBy); undefined when nothing is redacted. */
  readonly judgedBy: Redactor | undefined;
}

export class NativeLines {
  /** The blocks' Buffers, reused once a sink has copied their documents. */
  readonly pool = new BufferPool(8 * 1024 * 1024);
  #zone: Zone | undefined;
  readonly #encoder: DocumentEncoder;
  readonly #parts = new WeakMap<LogOrigin, OriginParts>();

  /**
   * The size every batch's Buffer starts at, when set (tests: a small one makes the engine hold events and
   * the Buffer grow all the time); by default the file's last batch's need plus a quarter.
   */
  readonly outStartBytes: number | undefined;

  constructor(
    readonly binding: NativeBinding,
    hostName: string,
    /** The redaction rule set of an app; undefined when redaction is off. */
    private readonly redactorFor: (app: string) => Redactor | undefined,
    opts: { outStartBytes?: number } = {},
  ) {
    this.#encoder = new DocumentEncoder(hostName);
    this.outStartBytes = opts.outStartBytes;
  }

  /** The constant parts of an origin's documents, as DocumentEncoder writes them (cached per origin). */
  parts(origin: LogOrigin): OriginParts {
    let p = this.#parts.get(origin);
    if (p === undefined) {
      p = {
        logHead: logHead(origin),
        tail: Buffer.from(this.#encoder.tail(origin, origin.dataset)),
        tailExecutor: Buffer.from(this.#encoder.tail(origin, EXECUTOR_DATASET)),
      };
      this.#parts.set(origin, p);
    }
    return p;
  }

  /** The engine settings of a group, or undefined when its files must stay on the JavaScript path. */
  specFor(parser: NativeParser, multiline: MultilineConfig | undefined, app: string): NativeGroupSpec | undefined {
    if (!NATIVE_FORMATS.has(parser.parser)) return undefined;
    let ml: EngineConfig['multiline'] = null;
    if (multiline !== undefined) {
      const pattern = rustStartPattern(multiline.startPattern);
      if (pattern === undefined) return undefined;
      ml = { pattern, negate: multiline.negate, timeoutMs: multiline.timeoutMs, maxLines: multiline.maxLines };
    }
    const redactor = this.redactorFor(app);
    if (redactor === undefined || !redactor.active) return { parser, multiline: ml, gate: null, judgedBy: undefined };
    const gate = gateConfig(redactor);
    if (gate === undefined) return undefined;
    return { parser, multiline: ml, gate, judgedBy: redactor };
  }

  /** The local time zone around now (recomputed when now leaves it). */
  zone(nowMs: number): Zone {
    if (this.#zone === undefined || !zoneCovers(this.#zone, nowMs)) this.#zone = zoneAround(nowMs);
    return this.#zone;
  }
}
