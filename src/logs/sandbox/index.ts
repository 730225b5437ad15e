import { defineComponent } from '../../pipeline/registry';
import type { PipelineConfig } from '../../pipeline/config';
import type { MesosMetadata } from '../../mesos/model';
import { createParser } from '../parse';
import type { LogsConfig } from '../config';
import { TailSource } from '../tail/tail-source';
import { tailEngineOptions } from '../tail';
import type { SandboxesConfig } from './config';
import { SandboxSource } from './sandbox-source';
import type { NativeLines } from '../../native/native-lines';

export interface SandboxesComponentConfig {
  /** Source name: metrics label and offsets file (`<stateDir>/offsets/<name>.json`), e.g. "sandboxes". */
  name: string;
  sandboxes: SandboxesConfig;
  /** Engine settings shared with logs.files (rescan interval, read buffer, open-file budget, idle close). */
  logs: LogsConfig;
  pipeline: PipelineConfig;
  metadata: MesosMetadata;
  /** The native line engine, when in use (src/native). */
  nativeLines?: NativeLines;
}

/** Tails every Mesos sandbox's stdout/stderr (rotated files, nested containers, extra files per app). */
export const mesosSandboxesSource = defineComponent({
  kind: 'source',
  type: 'mesos_sandboxes',
  description: 'Tails the stdout/stderr of every Mesos sandbox and nested container, with Mesos identity, executor lines tagged, logrotate rotation followed',
  create: (cfg: SandboxesComponentConfig, context) =>
    new SandboxSource({
      name: cfg.name,
      config: cfg.sandboxes,
      metadata: cfg.metadata,
      context,
      tail: new TailSource({
        name: cfg.name,
        groups: [], // set by discovery (SandboxSource.start) before the engine's first scan
        context,
        parserFor: createParser, // unused: every sandbox group brings its own parser
        ...tailEngineOptions(cfg.logs, cfg.pipeline),
        ...(cfg.nativeLines === undefined ? {} : { nativeLines: cfg.nativeLines }),
      }),
    }),
});
