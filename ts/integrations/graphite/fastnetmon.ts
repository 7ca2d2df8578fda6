// import-fastnetmon: graphite, graphite_host, _port, _prefix and _push_period become actions.graphite.
import { formatOf } from '../../config/formats.js';
import type { FastnetmonImportContext } from '../types.js';

const GRAPHITE_KEYS = ['graphite', 'graphite_host', 'graphite_port', 'graphite_prefix', 'graphite_push_period'] as const;
const PATH = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

export function carryGraphite({ keys, comments, out }: FastnetmonImportContext): void {
  if (!(keys.flag('graphite') ?? false)) {
    keys.skip('graphite', "off here; floodwatch's Graphite push is off by default too");
    for (const key of GRAPHITE_KEYS.slice(1)) keys.skip(key, 'graphite = off');
    return;
  }
  keys.carry('graphite');
  // FastNetMon's own defaults where a key is absent.
  const graphite: Record<string, unknown> = { enabled: true, host: '127.0.0.1', port: 2003, prefix: 'fastnetmon' };
  const host = keys.value('graphite_host');
  if (host !== undefined) {
    if (formatOf('host-name')!.parse(host).ok) {
      graphite.host = host;
      keys.carry('graphite_host');
    } else {
      keys.skip('graphite_host', `'${host}' is not a host name: floodwatch pushes to 127.0.0.1, FastNetMon's default`);
    }
  }
  const port = keys.integer('graphite_port');
  if (port !== undefined) {
    if (port >= 1 && port <= 65535) {
      graphite.port = port;
      keys.carry('graphite_port');
    } else {
      keys.skip('graphite_port', `${port} is not a port: floodwatch pushes to 2003, FastNetMon's default`);
    }
  }
  const prefix = keys.value('graphite_prefix');
  if (prefix !== undefined) {
    if (PATH.test(prefix)) {
      graphite.prefix = prefix;
      keys.carry('graphite_prefix');
    } else {
      keys.skip('graphite_prefix', `'${prefix}' is not a dotted Graphite path: floodwatch uses fastnetmon, FastNetMon's default`);
    }
  }
  const period = keys.integer('graphite_push_period');
  if (period !== undefined) {
    if (period >= 1 && period <= 3600) {
      graphite.push_seconds = period;
      keys.carry('graphite_push_period');
    } else {
      keys.skip('graphite_push_period', `${period} is not between 1 and 3600 seconds: floodwatch pushes every second, FastNetMon's default`);
    }
  }
  comments.after.push([
    ['actions', 'graphite', 'enabled'],
    "graphite = on: FastNetMon's paths (PREFIX.total..., PREFIX.networks..., PREFIX.hosts.IP.DIRECTION.average...) plus per-protocol rates, " +
      'hostgroups, attacks and engine health; PREFIX.hosts holds the top_hosts busiest hosts and every host under attack, not every host',
  ]);
  ((out.actions ??= {}) as Record<string, unknown>).graphite = graphite;
}
