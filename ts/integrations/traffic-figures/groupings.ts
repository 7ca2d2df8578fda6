// The hostgroups and monitored networks as the engine's breakdown groups hosts.
import type { Grouping } from '../../engine/index.js';

/** Hosts in no hostgroup, as the thresholds name them. */
export const GLOBAL_HOSTGROUP = 'global';

/** What the groupings read of the configuration (the whole configuration is one). */
export interface GroupedConfig {
  readonly networks: readonly string[];
  readonly hostgroups: readonly { readonly name: string; readonly prefixes: readonly string[] }[];
}

export interface NamedGrouping {
  grouping: Grouping;
  /** Indexed by group. */
  names: string[];
}

export interface Groupings {
  hostgroups: NamedGrouping;
  networks: NamedGrouping;
}

export function groupingsOf(config: GroupedConfig): Groupings {
  const hostgroupNames = [GLOBAL_HOSTGROUP, ...config.hostgroups.map((hostgroup) => hostgroup.name)];
  const hostgroupPrefixes = config.hostgroups.flatMap((hostgroup, i) => hostgroup.prefixes.map((prefix) => ({ prefix, group: i + 1 })));
  const networkNames = [...new Set(config.networks)];
  return {
    hostgroups: { grouping: { groups: hostgroupNames.length, prefixes: hostgroupPrefixes, fallback: 0 }, names: hostgroupNames },
    networks: { grouping: { groups: networkNames.length, prefixes: networkNames.map((prefix, group) => ({ prefix, group })) }, names: networkNames },
  };
}
