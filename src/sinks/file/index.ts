import { defineComponent } from '../../pipeline/registry';
import type { FileOutputConfig } from './config';
import { FileSink } from './file-sink';

export const fileSink = defineComponent({
  kind: 'sink',
  type: 'file',
  description: 'Embedded default output: bulk NDJSON and line protocol in size-rotated local files',
  create: (cfg: { config: FileOutputConfig; logs: boolean; metrics: boolean }, context) => new FileSink({ ...cfg, context }),
});
