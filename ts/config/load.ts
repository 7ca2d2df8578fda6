// Loads the configuration: YAML file over the embedded default, validated, normalized.
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import { embeddedDefault, EMBEDDED_DEFAULT_SOURCE } from './defaults.js';
import { ConfigError, describeReadError, type ConfigProblem } from './errors.js';
import { isMapping, mergeOverDefaults } from './merge.js';
import { normalizeConfig } from './normalize.js';
import { FloodwatchConfigSchema, type FloodwatchConfig } from './schema.js';
import { schemaProblems } from './schema-problems.js';
import { semanticProblems } from './semantic-checks.js';

export { ConfigError } from './errors.js';
export { engineConfig } from './engine-config.js';
export type { FloodwatchConfig } from './schema.js';

export interface LoadedConfig {
  config: FloodwatchConfig;
  /** The file's path as given, or 'embedded default'. */
  source: string;
}

/** Without a path, the embedded default. Throws ConfigError listing every problem found. */
export async function loadConfig(path?: string): Promise<LoadedConfig> {
  if (path === undefined) return { config: embeddedDefault(), source: EMBEDDED_DEFAULT_SOURCE };
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [{ reason: describeReadError(error) }]);
  }
  return { config: parseConfig(text, path), source: path };
}

/**
 * The configuration a YAML text describes; `source` names it in error messages. `env` is the
 * environment it will run in (FLOODWATCH_API_TOKEN counts with api.tokens).
 */
export function parseConfig(text: string, source: string, env: NodeJS.ProcessEnv = process.env): FloodwatchConfig {
  const file = parseYaml(text, source);
  const merged = mergeOverDefaults(embeddedDefault(), file);
  const problems = schemaProblems(FloodwatchConfigSchema, merged);
  if (problems.length > 0) throw new ConfigError(source, problems);
  // Checked only once the shape is right; they rely on it.
  const semantic = semanticProblems(merged as FloodwatchConfig, env);
  if (semantic.length > 0) throw new ConfigError(source, semantic);
  return normalizeConfig(merged as FloodwatchConfig);
}

function parseYaml(text: string, source: string): Record<string, unknown> {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  const located =
    (label: string) =>
    (error: YAMLError): ConfigProblem => {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      return { where: `line ${line}, column ${col}`, reason: `${label}: ${error.message}` };
    };
  const problems = [...document.errors.map(located('YAML syntax error')), ...document.warnings.map(located('YAML'))];
  if (problems.length > 0) throw new ConfigError(source, problems);
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigError(source, [{ reason: `YAML: ${(error as Error).message}` }]);
  }
  if (value === null || value === undefined) return {};
  if (!isMapping(value)) {
    const found = Array.isArray(value) ? 'a list' : `'${String(value)}'`;
    throw new ConfigError(source, [{ where: '(top level)', reason: `expected a mapping of keys (state_dir:, networks:, thresholds:, ...), got ${found}` }]);
  }
  return value;
}
