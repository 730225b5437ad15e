/**
 * The index templates: `deploy/elasticsearch/*.json` is the source of truth (shipped for operators too);
 * the sink loads them and substitutes the configured name, patterns and priority.
 *
 * Install rule (several hundred Heralds start at once, and an operator may pin their own version): a
 * template of the same name whose `_meta.version` is newer or equal is left alone; an older or missing
 * version is overwritten. Every Herald of one version writes identical bodies, so concurrent installs
 * converge.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import { ErrorCode, HeraldError } from '../../errors';
import { templatePattern, type ElasticsearchOutputConfig } from './config';

export const TEMPLATE_DIR = join(__dirname, '..', '..', '..', 'deploy', 'elasticsearch');

export interface TemplateSpec {
  name: string;
  version: number;
  body: Record<string, unknown>;
}

interface TemplateFile {
  index_patterns: string[];
  priority: number;
  composed_of?: string[];
  ignore_missing_component_templates?: string[];
  _meta: { version: number } & Record<string, unknown>;
  data_stream?: Record<string, unknown>;
  template: Record<string, unknown>;
}

function readTemplate(file: string): TemplateFile {
  const path = join(TEMPLATE_DIR, file);
  let parsed: TemplateFile;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as TemplateFile;
  } catch (err) {
    throw new HeraldError(ErrorCode.config, `cannot read the index template ${path} (it ships with Herald)`, { cause: err });
  }
  if (typeof parsed._meta?.version !== 'number') throw new HeraldError(ErrorCode.config, `${path}: _meta.version must be a number`);
  return parsed;
}

function spec(file: TemplateFile, name: string, pattern: string, priority: number, dataStream: boolean): TemplateSpec {
  const custom = `${name}@custom`;
  const body: TemplateFile = {
    ...file,
    index_patterns: [pattern],
    priority,
    // The operator's own settings (replicas, an ILM policy where available) live in <name>@custom,
    // which survives template upgrades; a missing one is fine.
    composed_of: [custom],
    ignore_missing_component_templates: [custom],
  };
  if (dataStream) body.data_stream = {};
  else delete body.data_stream;
  return { name, version: file._meta.version, body: body as unknown as Record<string, unknown> };
}

/** The dead-letter template first (its index must be mapped before anything is refused), then the logs one. */
export function loadTemplates(cfg: ElasticsearchOutputConfig): TemplateSpec[] {
  const t = cfg.template;
  return [
    spec(readTemplate('dead-letter-index-template.json'), `${t.name}-dead-letter`, templatePattern(cfg.dead_letter_index), t.priority + 1, false),
    spec(readTemplate('index-template.json'), t.name, templatePattern(cfg.index), t.priority, cfg.mode === 'data_stream'),
  ];
}

export type InstallResult = 'installed' | 'kept';

interface GetTemplateResponse {
  index_templates?: { name: string; index_template?: { _meta?: { version?: unknown } } }[];
}

/** Installs one template unless a same-or-newer version is there. Throws the client's error on failure. */
export async function installTemplate(client: Client, t: TemplateSpec, timeoutMs: number, signal: AbortSignal): Promise<{ result: InstallResult; existing: number | undefined }> {
  const path = `/_index_template/${encodeURIComponent(t.name)}`;
  const opts = { requestTimeout: timeoutMs, maxRetries: 0, signal };
  const got = await client.transport.request<GetTemplateResponse>({ method: 'GET', path }, { ...opts, ignore: [404] });
  const found = got.index_templates?.find((x) => x.name === t.name);
  const v = found?.index_template?._meta?.version;
  const existing = typeof v === 'number' ? v : undefined;
  if (existing !== undefined && existing >= t.version) return { result: 'kept', existing };
  await client.transport.request({ method: 'PUT', path, body: t.body }, opts);
  return { result: 'installed', existing };
}
