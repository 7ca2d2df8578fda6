// What a configuration allows but an operator should hear about: said at start (in the log) and
// by `check-config` (on standard error), from this one list.
import { readFileSync, statSync } from 'node:fs';
import { parse } from 'yaml';
import { EMBEDDED_DEFAULT_SOURCE } from './defaults.js';
import { isLoopbackListen, parseListenAddress } from './listen-address.js';
import { INTEGRATIONS } from '../integrations/registry.js';
import type { IntegrationDefinition } from '../integrations/types.js';
import type { FloodwatchConfig } from './schema.js';

export function configWarnings(config: FloodwatchConfig, source: string): string[] {
  return [emptyFile(source), secretsReadableByOthers(config, source), unrestrictedExporters(config), ...integrationWarnings(config)].filter(
    (warning): warning is string => warning !== null,
  );
}

/** A file that sets nothing (empty, or comments only) is most likely not the one meant. */
function emptyFile(source: string): string | null {
  if (source === EMBEDDED_DEFAULT_SOURCE) return null;
  let document: unknown;
  try {
    document = parse(readFileSync(source, 'utf8'));
  } catch {
    return null;
  }
  if (document !== null && document !== undefined) return null;
  return (
    `${source} sets nothing, so every setting is the embedded default (every address monitored, flows on UDP 2055, 4739 and 6343, ` +
    "the API on 127.0.0.1:7780, FastNetMon's thresholds): check it is the file you meant, or start from config/floodwatch.example.yaml"
  );
}

/** What each enabled integration says of its own section. */
function integrationWarnings(config: FloodwatchConfig): string[] {
  return (INTEGRATIONS as readonly IntegrationDefinition[]).flatMap((integration) => {
    const section = (config.actions as Record<string, { enabled: boolean }>)[integration.name]!;
    return section.enabled ? (integration.warnings?.(section as never) ?? []) : [];
  });
}

/** The keys that hold a secret, as set in this configuration. */
function secretKeys(config: FloodwatchConfig): string[] {
  const keys: string[] = [];
  if (config.api.tokens.length > 0) keys.push('api.tokens');
  for (const integration of INTEGRATIONS as readonly IntegrationDefinition[]) {
    const section = (config.actions as Record<string, unknown>)[integration.name];
    for (const key of integration.secretKeys?.(section as never) ?? []) keys.push(`actions.${integration.name}.${key}`);
  }
  return keys;
}

function secretsReadableByOthers(config: FloodwatchConfig, source: string): string | null {
  const secrets = secretKeys(config);
  if (source === EMBEDDED_DEFAULT_SOURCE || secrets.length === 0) return null;
  let mode: number;
  try {
    mode = statSync(source).mode & 0o777;
  } catch {
    return null;
  }
  if ((mode & 0o077) === 0) return null;
  return (
    `${source} holds secrets (${secrets.join(', ')}) but its group and other users may read it (mode ${mode.toString(8).padStart(3, '0')}): ` +
    `run chmod 600 ${source} (and chown it to the user floodwatch runs as)`
  );
}

/** With bans on, a flow listener anyone can reach lets one spoofed datagram count as traffic. */
function unrestrictedExporters(config: FloodwatchConfig): string | null {
  const { listen, allowed_exporters } = config.sources.flow;
  const bansOn = config.ban.enabled || config.hostgroups.some((group) => group.ban === true);
  if (!bansOn || allowed_exporters.length > 0) return null;
  const reachable = listen.filter((text) => {
    const parsed = parseListenAddress(text);
    return !parsed.ok || !isLoopbackListen(parsed.value);
  });
  if (reachable.length === 0) return null;
  return (
    `bans are on and sources.flow.allowed_exporters is empty, so any host that can send UDP to ${reachable.join(', ')} is taken as an exporter, ` +
    'and spoofed datagrams could make floodwatch ban a host: list your exporters in sources.flow.allowed_exporters ' +
    '(e.g. [192.0.2.1/32]) and listen on the collector address they send to rather than on every address'
  );
}
