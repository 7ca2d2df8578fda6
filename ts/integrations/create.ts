// The integrations the configuration enables, built from the registry.
import type { FloodwatchConfig } from '../config/schema.js';
import { INTEGRATIONS } from './registry.js';
import type { Integration, IntegrationDefinition, IntegrationDeps } from './types.js';

/** What the daemon gives every integration; activeBans is narrowed to each one's hostgroups. */
export type SharedDeps = Omit<IntegrationDeps, 'activeBans'> & {
  /** The active bans whose hostgroup sends its events to the named integration. */
  activeBans(integration: string): ReturnType<IntegrationDeps['activeBans']>;
};

/** The enabled integrations, in the registry's order, each under its registry name. */
export async function createIntegrations(config: FloodwatchConfig, deps: SharedDeps): Promise<Integration[]> {
  const integrations: Integration[] = [];
  for (const definition of INTEGRATIONS as readonly IntegrationDefinition[]) {
    const section = (config.actions as Record<string, { enabled: boolean }>)[definition.name]!;
    if (!section.enabled) continue;
    const integration = await definition.create(section as never, { ...deps, activeBans: () => deps.activeBans(definition.name) });
    if (integration.name !== definition.name) throw new Error(`integration ${definition.name} built one named ${integration.name}`);
    integrations.push(integration);
  }
  return integrations;
}
