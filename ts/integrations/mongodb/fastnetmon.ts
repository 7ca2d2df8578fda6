// import-fastnetmon: mongodb_enabled, mongodb_host, mongodb_port and mongodb_database_name
// become actions.mongodb.
import { formatOf } from '../../config/formats.js';
import type { FastnetmonImportContext } from '../types.js';
import { databaseNameProblem } from './config.js';

const KEYS = ['mongodb_enabled', 'mongodb_host', 'mongodb_port', 'mongodb_database_name'] as const;
// FastNetMon's own defaults, for the keys its file leaves out.
const FASTNETMON_HOST = 'localhost';
const FASTNETMON_PORT = 27017;
const FASTNETMON_DATABASE = 'fastnetmon';

export function importMongodb({ keys, comments, out }: FastnetmonImportContext): void {
  if (!(keys.flag('mongodb_enabled') ?? false)) {
    keys.skip('mongodb_enabled', "off here; floodwatch's MongoDB integration is off by default too");
    for (const key of KEYS.slice(1)) keys.skip(key, 'mongodb_enabled = off');
    return;
  }
  keys.carry('mongodb_enabled');

  let host = keys.value('mongodb_host') ?? FASTNETMON_HOST;
  const parsedHost = formatOf('host-name')!.parse(host);
  if (parsedHost.ok) {
    keys.carry('mongodb_host');
  } else {
    keys.skip('mongodb_host', `${parsedHost.reason}: floodwatch connects to ${FASTNETMON_HOST}, FastNetMon's default`);
    keys.notes.push(`mongodb_host = ${host} is not a host name: actions.mongodb.uri names ${FASTNETMON_HOST}, FastNetMon's default`);
    host = FASTNETMON_HOST;
  }

  let port = keys.integer('mongodb_port') ?? FASTNETMON_PORT;
  if (port >= 1 && port <= 65535) {
    keys.carry('mongodb_port');
  } else {
    keys.skip('mongodb_port', `${port} is not a TCP port (1 to 65535): floodwatch connects to ${FASTNETMON_PORT}, FastNetMon's default`);
    port = FASTNETMON_PORT;
  }

  let database = keys.value('mongodb_database_name') ?? FASTNETMON_DATABASE;
  const problem = databaseNameProblem(database);
  if (problem === undefined) {
    keys.carry('mongodb_database_name');
  } else {
    keys.skip('mongodb_database_name', `${problem}: floodwatch writes to ${FASTNETMON_DATABASE}, FastNetMon's default`);
    database = FASTNETMON_DATABASE;
  }

  ((out.actions ??= {}) as Record<string, unknown>).mongodb = {
    enabled: true,
    uri: `mongodb://${host.includes(':') ? `[${host}]` : host}:${port}`,
    database,
  };
  comments.after.push([
    ['actions', 'mongodb', 'enabled'],
    'mongodb_enabled = on: one document per attack (banned or not, IPv4 and IPv6) in collection attacks, ' +
      "keyed by attack id, instead of FastNetMon's one per IPv4 ban under <ip>_information_<date>: " +
      'the README says how to move the old documents',
  ]);
  comments.after.push([['actions', 'mongodb', 'uri'], 'mongodb_host and mongodb_port']);
  comments.after.push([['actions', 'mongodb', 'database'], 'mongodb_database_name']);
}
