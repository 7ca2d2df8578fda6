// The checks a schema cannot express: uniqueness, references between sections, and settings
// an enabled action cannot run without.
import { isAbsolute } from 'node:path';
import { apiExposureProblems } from './api-exposure.js';
import type { ConfigProblem } from './errors.js';
import { formatListenAddress, parseListenAddress } from './listen-address.js';
import { canonicalPrefix, formatAddress, parseIpAddress } from './prefix.js';
import type { BlackholeConfig, FloodwatchConfig } from './schema.js';

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
  const problems: ConfigProblem[] = [];
  const { script, email } = config.actions;
  if (script.enabled && !isAbsolute(script.path)) {
    problems.push({
      where: 'actions.script.path',
      reason: `'${script.path}' is not an absolute path (the script runs without a shell or PATH lookup: write its full path, e.g. /usr/local/bin/notify_about_attack.sh)`,
    });
  }
  if (email.enabled && email.to.length === 0) {
    problems.push({
      where: 'actions.email.to',
      reason: 'is empty, but the e-mail action is enabled (add a recipient, or set actions.email.enabled: false)',
    });
  }
  if (email.enabled && email.smtp.user !== undefined && email.smtp.password === undefined) {
    problems.push({ where: 'actions.email.smtp.password', reason: 'missing: smtp.user is set, so the password is needed too' });
  }
  const { smtp } = email;
  if (email.enabled && smtp.password !== undefined && !smtp.secure && !smtp.starttls && !smtp.allow_plaintext_auth) {
    problems.push({
      where: 'actions.email.smtp',
      reason:
        'the password would cross the network in clear (secure and starttls are both false): set starttls: true (or secure: true for TLS from the first byte), ' +
        'or, if you really mean it (a server on this machine), allow_plaintext_auth: true',
    });
  }
  for (const name of ['gobgp', 'exabgp'] as const) problems.push(...communityProblems(`actions.${name}.blackhole`, config.actions[name].blackhole));
  return problems;
}

/** The schema checks the shape of a community; its parts must also fit in 16 (large: 32) bits. */
function communityProblems(where: string, blackhole: BlackholeConfig): ConfigProblem[] {
  const lists: [string, string[], number][] = [
    [`${where}.communities`, blackhole.communities, 0xffff],
    [`${where}.subnet.communities`, blackhole.subnet.communities, 0xffff],
    [`${where}.large_communities`, blackhole.large_communities, 0xffffffff],
  ];
  const problems: ConfigProblem[] = [];
  for (const [path, communities, max] of lists) {
    communities.forEach((community, i) => {
      if (community.split(':').some((part) => Number(part) > max)) {
        problems.push({ where: `${path}[${i}]`, reason: `'${community}': each part must be 0 to ${max}` });
      }
    });
  }
  return problems;
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
