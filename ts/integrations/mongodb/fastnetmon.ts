// import-fastnetmon: mongodb_enabled, mongodb_host, mongodb_port and mongodb_database_name.
import type { FastnetmonImportContext } from '../types.js';
import { mongodbDefaults } from './config.js';

const KEYS = ['mongodb_enabled', 'mongodb_host', 'mongodb_port', 'mongodb_database_name'];
const HOST = /^[A-Za-z0-9._:-]+$/;

export function importMongodb({ keys, comments, out }: FastnetmonImportContext): void {
  if (!KEYS.some((key) => keys.has(key))) return;
  // FastNetMon's own defaults, for the keys its file leaves out.
  const host = keys.value('mongodb_host') ?? 'localhost';
  const portValue = keys.integer('mongodb_port');
  const port = portValue ?? 27017;
  const database = keys.value('mongodb_database_name') ?? 'fastnetmon';
  let enabled = keys.flag('mongodb_enabled') ?? false;
  if (!HOST.test(host)) {
    keys.skip('mongodb_host', `'${host}' is not a host name or address`);
    if (enabled) keys.notes.push(`mongodb_host = ${host} is not a host name or address: actions.mongodb carried switched off; write its uri and set enabled: true`);
    enabled = false;
  }
  if (keys.has('mongodb_port') && (portValue === undefined || port < 1 || port > 65535)) {
    keys.skip('mongodb_port', `${keys.value('mongodb_port')} is not a TCP port (1 to 65535)`);
    if (enabled) keys.notes.push(`mongodb_port = ${keys.value('mongodb_port')} is not a TCP port: actions.mongodb carried switched off; write its uri and set enabled: true`);
    enabled = false;
  }
  keys.carry(...KEYS);
  const actions = (out.actions ??= {}) as Record<string, unknown>;
  actions.mongodb = {
    ...mongodbDefaults(),
    enabled,
    uri: `mongodb://${host.includes(':') ? `[${host}]` : host}:${port}`,
    database,
  };
  comments.before.push([
    ['actions', 'mongodb'],
    'From the mongodb_ keys. FastNetMon stores one document per IPv4 ban, under a key made of the\n' +
      'address and the time; floodwatch one per attack (banned or not, IPv4 and IPv6) in collection\n' +
      'attacks, keyed by attack id: see the README for moving the old documents.',
  ]);
  comments.after.push([['actions', 'mongodb', 'uri'], 'mongodb_host and mongodb_port']);
  comments.after.push([['actions', 'mongodb', 'database'], 'mongodb_database_name']);
}
