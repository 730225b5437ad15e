/**
 * Components are registered by type name. Each component module exports one descriptor; the registry
 * throws at boot if two share a type. The pipeline shape is fixed (collectors → qos → redact → route →
 * sinks); the config names what each part does and the assembler picks the factory by type.
 */
import { ErrorCode, HeraldError } from '../errors';
import type { Sink, Source, Transform } from './contracts';
import type { ComponentContext } from './context';
import type { HeraldRecord } from './records';

export type ComponentKind = 'source' | 'transform' | 'sink';
type InstanceOf<K extends ComponentKind> = K extends 'source'
  ? Source<HeraldRecord>
  : K extends 'transform'
    ? Transform<HeraldRecord>
    : Sink<HeraldRecord>;

export interface ComponentDescriptor<K extends ComponentKind = ComponentKind, C = never> {
  readonly kind: K;
  /** lower_snake_case, named for what it talks to (sources, sinks) or what it does (transforms). */
  readonly type: string;
  readonly description: string;
  create(config: C, context: ComponentContext): InstanceOf<K>;
}

export function defineComponent<K extends ComponentKind, C>(d: ComponentDescriptor<K, C>): ComponentDescriptor<K, C> {
  return d;
}

export class ComponentRegistry {
  readonly #byType = new Map<string, ComponentDescriptor<ComponentKind, never>>();

  constructor(descriptors: readonly ComponentDescriptor<ComponentKind, never>[]) {
    for (const d of descriptors) {
      if (!/^[a-z][a-z0-9_]*$/.test(d.type)) throw new HeraldError(ErrorCode.registry, `component type "${d.type}" is not lower_snake_case`);
      if (this.#byType.has(d.type)) throw new HeraldError(ErrorCode.registry, `two components share the type "${d.type}"`);
      this.#byType.set(d.type, d);
    }
  }

  get<K extends ComponentKind, C>(kind: K, type: string): ComponentDescriptor<K, C> {
    const d = this.#byType.get(type);
    if (!d || d.kind !== kind) throw new HeraldError(ErrorCode.registry, `no ${kind} component of type "${type}"`);
    return d as unknown as ComponentDescriptor<K, C>;
  }

  all(): ComponentDescriptor<ComponentKind, never>[] {
    return [...this.#byType.values()];
  }
}
