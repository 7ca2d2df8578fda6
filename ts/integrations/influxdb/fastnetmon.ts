// import-fastnetmon: influxdb, influxdb_host, _port, _database, _auth, _user, _password and
// _push_period become actions.influxdb.
import { formatOf } from '../../config/formats.js';
import type { FastnetmonImportContext } from '../types.js';

const INFLUXDB_KEYS = [
  'influxdb',
  'influxdb_host',
  'influxdb_port',
  'influxdb_database',
  'influxdb_auth',
  'influxdb_user',
  'influxdb_password',
  'influxdb_push_period',
] as const;

export function carryInfluxdb({ keys, comments, out }: FastnetmonImportContext): void {
  if (!(keys.flag('influxdb') ?? false)) {
    keys.skip('influxdb', "off here; floodwatch's InfluxDB push is off by default too");
    for (const key of INFLUXDB_KEYS.slice(1)) keys.skip(key, 'influxdb = off');
    return;
  }
  keys.carry('influxdb');
  let host = keys.value('influxdb_host') ?? '127.0.0.1';
  if (formatOf('host-name')!.parse(host).ok) {
    keys.carry('influxdb_host');
  } else {
    keys.skip('influxdb_host', `'${host}' is not a host name: floodwatch pushes to 127.0.0.1, FastNetMon's default`);
    host = '127.0.0.1';
  }
  let port = keys.integer('influxdb_port') ?? 8086;
  if (port >= 1 && port <= 65535) {
    keys.carry('influxdb_port');
  } else {
    keys.skip('influxdb_port', `${port} is not a port: floodwatch pushes to 8086, FastNetMon's default`);
    port = 8086;
  }
  const influxdb: Record<string, unknown> = {
    enabled: true,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    api: 'v1',
    database: keys.value('influxdb_database') || 'fastnetmon',
  };
  keys.carry('influxdb_database');
  const auth = keys.flag('influxdb_auth') ?? false;
  keys.carry('influxdb_auth');
  if (auth) {
    influxdb.user = keys.value('influxdb_user') ?? '';
    influxdb.password = keys.value('influxdb_password') ?? '';
    keys.carry('influxdb_user', 'influxdb_password');
  } else {
    keys.skip('influxdb_user', 'influxdb_auth = off');
    keys.skip('influxdb_password', 'influxdb_auth = off');
  }
  const period = keys.integer('influxdb_push_period');
  if (period !== undefined && period >= 1 && period <= 3600) {
    influxdb.push_seconds = period;
    keys.carry('influxdb_push_period');
  } else if (period !== undefined) {
    keys.skip('influxdb_push_period', `${period} is not between 1 and 3600 seconds: floodwatch pushes every second, FastNetMon's default`);
  }
  if (influxdb.user === '') delete influxdb.user;
  comments.after.push([
    ['actions', 'influxdb', 'enabled'],
    "influxdb = on: FastNetMon's measurements (total_traffic, networks_traffic, hosts_traffic, with the same fields) plus hostgroups_traffic, attacks and " +
      'floodwatch_engine; hosts_traffic holds the top_hosts busiest hosts and every host under attack, not every host',
  ]);
  ((out.actions ??= {}) as Record<string, unknown>).influxdb = influxdb;
}
