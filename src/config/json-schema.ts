/** The configuration file's JSON Schema (input side: what an operator may write), for editors and docs. */
import { z } from 'zod';
import { rootSchema } from './schema';

export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(rootSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  // Defaults computed from the host (hostname, state dir) are not part of the published schema.
  const props = schema['properties'] as Record<string, Record<string, unknown>> | undefined;
  if (props?.['node_name']) delete props['node_name']['default'];
  if (props?.['state_dir']) delete props['state_dir']['default'];
  return { $id: 'https://herald.invalid/herald.schema.json', title: 'Herald configuration', ...schema };
}
