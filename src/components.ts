/** Every component Herald can create, by type. Adding a component: one line here, one row in the README. */
import { ComponentRegistry } from './pipeline/registry';
import { tailSource } from './logs/tail';
import { fileSink } from './sinks/file';

export const registry = new ComponentRegistry([tailSource, fileSink]);
