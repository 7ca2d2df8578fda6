// `floodwatch check-config [--config FILE]`: validates a configuration without starting anything.
import { Command } from 'commander';
import { describeCluster } from '../cluster/config.js';
import { ConfigError, formatProblem } from '../config/errors.js';
import { loadCheckedRunConfig, SYSTEM_CONFIG_PATH } from '../config/default-paths.js';
import { configWarnings } from '../config/warnings.js';
import { DIRECTIONS, PROTOCOL_CLASSES, type FloodwatchConfig, type Thresholds } from '../config/schema.js';
import { INTEGRATIONS } from '../integrations/registry.js';
import type { IntegrationDefinition } from '../integrations/types.js';
import { onRun, runCommandLine } from './commander.js';

export function checkConfigCli(): Command {
  const command = new Command('check-config')
    .summary('validate a configuration without starting')
    .description(
      `Validates FILE (without --config, ${SYSTEM_CONFIG_PATH} when present, else the embedded default: what floodwatch run would start with) and prints a summary.`,
    )
    .usage('[--config FILE]')
    .option('--config <FILE>', 'the configuration to check')
    .addHelpText('after', '\nExit status: 0 valid, 1 not valid, 2 wrong usage.');
  return onRun(command, () => checkConfig(command.opts<{ config?: string }>().config));
}

export const checkConfigCommand = (args: string[]) => runCommandLine(checkConfigCli(), args);

async function checkConfig(path: string | undefined): Promise<number> {
  try {
    const { config, source } = (await loadCheckedRunConfig(path)).loaded;
    process.stdout.write(`${source}: configuration is valid\n${summary(config)}`);
    for (const warning of configWarnings(config, source)) process.stderr.write(`${source}: warning: ${warning}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const lines = error.problems.map((problem) => formatProblem(error.source, problem));
    const count = error.problems.length === 1 ? '1 problem' : `${error.problems.length} problems`;
    process.stderr.write(`${lines.join('\n')}\n${error.source}: configuration is not valid (${count})\n`);
    return 1;
  }
}

function summary(config: FloodwatchConfig): string {
  const hostgroups = config.hostgroups.map((group) => group.name);
  const actions = (INTEGRATIONS as readonly IntegrationDefinition[]).flatMap((integration) => {
    const section = (config.actions as Record<string, { enabled: boolean }>)[integration.name]!;
    return section.enabled ? [integration.describe(section as never)] : [];
  });
  const ban = config.ban.enabled
    ? `on, ${config.ban.time_seconds} s${config.ban.unban_only_if_attack_finished ? ', kept while the attack goes on' : ''}`
    : 'off';
  const lines = [
    `networks: ${countAndList(config.networks)}`,
    `whitelist: ${countAndList(config.whitelist)}`,
    `hostgroups: ${countAndList(hostgroups)}`,
    `thresholds on: ${describeThresholds(config.thresholds)}`,
    `ban: ${ban}`,
    `actions on: ${actions.length === 0 ? 'none' : actions.join('; ')}`,
    `listening: ${config.sources.flow.listen.length === 0 ? 'nowhere' : config.sources.flow.listen.join(', ')}`,
    `api: ${describeApi(config)}`,
  ];
  if (config.cluster) lines.push(describeCluster(config.cluster));
  if (config.sources.mirror.length > 0) {
    lines.push(`mirror ports: ${config.sources.mirror.map((m) => `${m.interface} (${m.engine ?? 'af_packet'})`).join(', ')}`);
  }
  return lines.map((line) => `  ${line}\n`).join('');
}

function describeApi(config: FloodwatchConfig): string {
  const { api } = config;
  if (!api.enabled) return 'off';
  const count = api.tokens.length + (process.env.FLOODWATCH_API_TOKEN?.trim() ? 1 : 0);
  const tokens = count === 0 ? 'no token (changes from this machine only)' : `${count} token${count === 1 ? '' : 's'}`;
  const hosts = api.allowed_hosts.length === 0 ? '' : `, also as ${api.allowed_hosts.join(', ')}`;
  return `${api.listen}${hosts}, ${tokens}, at most ${api.max_connections} connections, idle ones closed after ${api.idle_timeout_seconds} s`;
}

function countAndList(items: string[], shown = 4): string {
  if (items.length === 0) return 'none';
  const list = items.slice(0, shown).join(', ') + (items.length > shown ? ', ...' : '');
  return `${items.length} (${list})`;
}

/** "incoming pps 20000, mbps 1000, udp pps 5000; outgoing none" */
export function describeThresholds(thresholds: Thresholds): string {
  return DIRECTIONS.map((direction) => {
    const t = thresholds[direction] ?? {};
    const parts: string[] = [];
    if (t.pps != null) parts.push(`pps ${t.pps}`);
    if (t.mbps != null) parts.push(`mbps ${t.mbps}`);
    if (t.flows != null) parts.push(`flows ${t.flows}`);
    for (const protocol of PROTOCOL_CLASSES) {
      const rates = t[protocol];
      if (rates?.pps != null) parts.push(`${protocol} pps ${rates.pps}`);
      if (rates?.mbps != null) parts.push(`${protocol} mbps ${rates.mbps}`);
    }
    return `${direction} ${parts.length === 0 ? 'none' : parts.join(', ')}`;
  }).join('; ');
}
