// FastNetMon runs some actions for IPv4 hosts only (its ExaBGP; its GoBGP unless
// gobgp_announce_host_ipv6 is on), where floodwatch's run for both families: the import keeps
// IPv6 bans away from them with a hostgroup of its own.
import type { Hostgroup } from '../../config/schema.js';
import { ACTION_NAMES } from '../../config/schema.js';
import type { FastnetmonImportContext } from '../../integrations/types.js';
import type { YamlPath } from './commented-yaml.js';
import { actionsOf } from './output.js';

/**
 * FastNetMon announces no IPv6 host through ExaBGP, nor through GoBGP unless
 * gobgp_announce_host_ipv6 is on; floodwatch's actions announce both families. A hostgroup of
 * every IPv6 address (::/0) whose actions leave those out keeps IPv6 bans off them.
 */
export function keepIpv6OutOf(context: FastnetmonImportContext): void {
  const { keys, comments, out } = context;
  const ipv4Only = context.ipv4OnlyActions;
  if (ipv4Only.length === 0) return;
  const names = ipv4Only.map((action) => action.label).join(' or ');
  const networks = out.networks as string[] | undefined;
  const noIpv6Ban =
    (out.ban as { enabled?: boolean } | undefined)?.enabled === false ||
    ((out.whitelist as string[] | undefined) ?? []).includes('::/0') ||
    (networks !== undefined && !networks.some((prefix) => prefix.includes(':')));
  if (noIpv6Ban) {
    keys.carry('gobgp_announce_host_ipv6');
    return;
  }
  const groups = (out.hostgroups as Hostgroup[] | undefined) ?? [];
  const holder = groups.find((group) => group.prefixes.includes('::/0'));
  if (holder) {
    const reason = `hostgroup ${holder.name} holds ::/0 already, so IPv6 bans go to every action, ${names} included`;
    keys.skip('gobgp_announce_host_ipv6', reason);
    keys.notes.push(`FastNetMon announces no IPv6 host through ${names}, but ${reason}: set that hostgroup's actions to leave them out`);
    return;
  }
  for (const group of groups.filter((g) => g.actions === undefined && g.prefixes.some((prefix) => prefix.includes(':')))) {
    keys.notes.push(
      `hostgroup ${group.name} holds IPv6 prefixes, and their hosts go to every action, ${names} included; FastNetMon announces no IPv6 host through ${names}: set the hostgroup's actions to leave them out`,
    );
  }
  const actions = actionsOf(out);
  const enabled = ACTION_NAMES.filter((name) => (actions[name] as { enabled?: boolean } | undefined)?.enabled === true);
  const kept = enabled.filter((name) => !ipv4Only.some((action) => action.name === name));
  let name = 'ipv6';
  for (let n = 2; groups.some((group) => group.name === name); n++) name = `ipv6_${n}`;
  const index = groups.length;
  groups.push({ name, prefixes: ['::/0'], actions: kept });
  out.hostgroups = groups;
  keys.carry('gobgp_announce_host_ipv6');
  const at: YamlPath = ['hostgroups', index];
  const why = `added by the import: FastNetMon announces no IPv6 host through ${names}`;
  comments.after.push([[...at, 'name'], kept.length > 0 ? why : `${why}, and no other action is on: none runs for them`]);
  comments.after.push([[...at, 'prefixes', 0], 'every IPv6 host, with the global thresholds and ban setting']);
  if (kept.length > 0) {
    const without = ipv4Only.map((action) => action.name).join(' nor ');
    comments.after.push([[...at, 'actions', kept.length - 1], `the actions FastNetMon runs for IPv6 hosts: not ${without}`]);
  }
}
