// The checks a schema cannot express: uniqueness, references between sections, and settings
// an enabled integration cannot run without (each integration checks its own section).
import { apiExposureProblems } from './api-exposure.js';
import type { ConfigProblem } from './errors.js';
import { formatListenAddress, parseListenAddress } from './listen-address.js';
import { canonicalPrefix, formatAddress, parseIpAddress } from './prefix.js';
import { INTEGRATIONS } from '../integrations/registry.js';
import type { IntegrationDefinition } from '../integrations/types.js';
import type { FloodwatchConfig } from './schema.js';

/** Runs on a configuration the schema accepted; `env` may hold FLOODWATCH_API_TOKEN. */
export function semanticProblems(config: FloodwatchConfig, env: NodeJS.ProcessEnv = process.env): ConfigProblem[] {
  return [
    ...apiExposureProblems(config.api, env),
    ...networkProblems(config),
    ...flowSourceProblems(config),
    ...mirrorProblems(config),
    ...hostgroupProblems(config),
    ...actionProblems(config),
  ];
}

function networkProblems(config: FloodwatchConfig): ConfigProblem[] {
  if (config.networks.length > 0) return [];
  return [
    {
      where: 'networks',
      reason: 'is empty: no address would be monitored (list your prefixes, or leave the key out to monitor every address)',
    },
  ];
}

function flowSourceProblems(config: FloodwatchConfig): ConfigProblem[] {
  const { listen, sampling_overrides } = config.sources.flow;
  const problems = duplicates(
    listen.map((text) => {
      const parsed = parseListenAddress(text);
      return parsed.ok ? formatListenAddress(parsed.value) : text;
    }),
  ).map(({ index, first }) => ({
    where: `sources.flow.listen[${index}]`,
    reason: `'${listen[index]}' is listed twice (also sources.flow.listen[${first}])`,
  }));
  const exporters = sampling_overrides.map(({ exporter }) => {
    const parsed = parseIpAddress(exporter);
    return parsed.ok ? formatAddress(parsed.value) : exporter;
  });
  for (const { index, first } of duplicates(exporters)) {
    problems.push({
      where: `sources.flow.sampling_overrides[${index}].exporter`,
      reason: `exporter ${exporters[index]} already has an override (sources.flow.sampling_overrides[${first}])`,
    });
  }
  return problems;
}

function mirrorProblems(config: FloodwatchConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  config.sources.mirror.forEach((mirror, m) => {
    const where = `sources.mirror[${m}]`;
    if (mirror.block_size !== undefined && mirror.block_size % 4096 !== 0) {
      problems.push({ where: `${where}.block_size`, reason: `${mirror.block_size} is not a multiple of the page size (4096 bytes)` });
    }
    const ring = mirror.xdp_ring_size;
    if (ring !== undefined && (ring & (ring - 1)) !== 0) {
      problems.push({ where: `${where}.xdp_ring_size`, reason: `${ring} is not a power of two (e.g. ${2 ** Math.round(Math.log2(ring))})` });
    }
  });
  return problems;
}

function hostgroupProblems(config: FloodwatchConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const names = new Map<string, number>();
  const owners = new Map<string, { group: number; prefix: number }>();
  config.hostgroups.forEach((group, g) => {
    const name = group.name.trim();
    if (name === '') {
      problems.push({ where: `hostgroups[${g}].name`, reason: 'is blank: give the hostgroup a name' });
    } else if (names.has(name)) {
      problems.push({
        where: `hostgroups[${g}].name`,
        reason: `'${name}' is already the name of hostgroups[${names.get(name)}] (hostgroup names must be unique)`,
      });
    } else {
      names.set(name, g);
    }
    group.prefixes.forEach((prefix, p) => {
      const key = canonicalPrefix(prefix);
      const owner = owners.get(key);
      if (!owner) {
        owners.set(key, { group: g, prefix: p });
      } else if (owner.group === g) {
        problems.push({
          where: `hostgroups[${g}].prefixes[${p}]`,
          reason: `${prefix} is listed twice in this hostgroup (also prefixes[${owner.prefix}])`,
        });
      } else {
        const ownerName = config.hostgroups[owner.group]!.name;
        problems.push({
          where: `hostgroups[${g}].prefixes[${p}]`,
          reason: `${prefix} is already in hostgroup '${ownerName}' (hostgroups[${owner.group}].prefixes[${owner.prefix}]); a prefix belongs to one hostgroup`,
        });
      }
    });
    (group.actions ?? []).forEach((action, a) => {
      const where = `hostgroups[${g}].actions[${a}]`;
      if (group.actions!.indexOf(action) !== a) {
        problems.push({ where, reason: `${action} is listed twice` });
      } else if (!config.actions[action].enabled) {
        problems.push({
          where,
          reason: `the ${action} action is not enabled (set actions.${action}.enabled: true, or remove ${action} from this list)`,
        });
      }
    });
  });
  return problems;
}

function actionProblems(config: FloodwatchConfig): ConfigProblem[] {
  return (INTEGRATIONS as readonly IntegrationDefinition[]).flatMap(
    (integration) => integration.check?.((config.actions as Record<string, Record<string, unknown>>)[integration.name] as never, config) ?? [],
  );
}

/** Each repeated entry's index, with the index of its first occurrence. */
function duplicates(keys: string[]): { index: number; first: number }[] {
  const firstIndex = new Map<string, number>();
  const found: { index: number; first: number }[] = [];
  keys.forEach((key, index) => {
    const first = firstIndex.get(key);
    if (first === undefined) firstIndex.set(key, index);
    else found.push({ index, first });
  });
  return found;
}
