// actions.mongodb as check-config and import-fastnetmon see it.
import { describe, expect, it } from 'vitest';
import { YamlComments } from '../../../ts/cli/import-fastnetmon/commented-yaml.js';
import { FastnetmonKeys } from '../../../ts/cli/import-fastnetmon/keys.js';
import { mongodb } from '../../../ts/integrations/mongodb/index.js';
import { mongodbDefaults, redactUri, type MongodbConfig } from '../../../ts/integrations/mongodb/config.js';

const config = (overrides: Partial<MongodbConfig>): MongodbConfig => ({ ...mongodbDefaults(), enabled: true, ...overrides });

describe('actions.mongodb', () => {
  it('is off by default, writing to database floodwatch on the local server', () => {
    expect(mongodb.defaults()).toEqual({
      enabled: false,
      uri: 'mongodb://127.0.0.1:27017',
      database: 'floodwatch',
      tls: false,
      tls_ca_file: null,
      tls_certificate_key_file: null,
      timeout_ms: 5000,
    });
  });

  it('is described by its servers and database, never its password', () => {
    expect(mongodb.describe(config({}))).toBe('mongodb at 127.0.0.1:27017, database floodwatch');
    expect(mongodb.describe(config({ uri: 'mongodb://fw:s3cret@db1:27017,db2:27017/?replicaSet=rs0', database: 'noc', tls: true }))).toBe(
      'mongodb at db1:27017,db2:27017, database noc (TLS)',
    );
    expect(mongodb.describe(config({ uri: 'mongodb+srv://fw:s3cret@cluster0.example.net' }))).toBe(
      'mongodb at mongodb+srv://cluster0.example.net, database floodwatch (TLS)',
    );
    expect(redactUri('mongodb://fw:s3cret@db1:27017/?authSource=admin')).toBe('mongodb://fw:***@db1:27017/?authSource=admin');
  });

  it('reports a connection string, a database name and TLS files it cannot use', () => {
    const whole = undefined as never;
    expect(mongodb.check!(config({}), whole)).toEqual([]);
    expect(mongodb.check!(config({ uri: 'http://fw:s3cret@db1:27017', database: 'flood.watch', tls_ca_file: '/etc/ssl/ca.pem' }), whole)).toEqual([
      {
        where: 'actions.mongodb.uri',
        reason:
          "'http://fw:***@db1:27017' is not a MongoDB connection string: write mongodb://HOST:PORT (or mongodb+srv://NAME), e.g. mongodb://127.0.0.1:27017",
      },
      { where: 'actions.mongodb.database', reason: "'flood.watch' has '.', which MongoDB does not allow in a database name" },
      { where: 'actions.mongodb.tls_ca_file', reason: 'is only used with TLS: set actions.mongodb.tls: true, or remove it' },
    ]);
  });

  it('warns of a password sent in clear to a remote server', () => {
    expect(mongodb.warnings!(config({ uri: 'mongodb://fw:s3cret@db1.example.net:27017' }))).toEqual([
      'actions.mongodb.uri carries a password to db1.example.net:27017 without TLS: it crosses the network in clear; set actions.mongodb.tls: true',
    ]);
    expect(mongodb.warnings!(config({ uri: 'mongodb://fw:s3cret@db1.example.net:27017', tls: true }))).toEqual([]);
    expect(mongodb.warnings!(config({ uri: 'mongodb://fw:s3cret@db1.example.net:27017/?tls=true' }))).toEqual([]);
    expect(mongodb.warnings!(config({ uri: 'mongodb://fw:s3cret@127.0.0.1:27017' }))).toEqual([]);
    expect(mongodb.warnings!(config({ uri: 'mongodb://db1.example.net:27017' }))).toEqual([]);
  });

  it('counts the uri as a secret when it carries a password', () => {
    expect(mongodb.secretKeys!(config({ uri: 'mongodb://fw:s3cret@db1:27017' }))).toEqual(['uri']);
    expect(mongodb.secretKeys!(config({ uri: 'mongodb://fw@db1:27017/?authMechanism=MONGODB-X509' }))).toEqual([]);
  });
});

describe('import-fastnetmon of the mongodb_ keys', () => {
  function importKeys(values: Record<string, string>) {
    const keys = new FastnetmonKeys(new Map(Object.entries(values)));
    const out: Record<string, unknown> = {};
    mongodb.importFastnetmon!({ keys, comments: new YamlComments(), out, networks: undefined, ipv4OnlyActions: [] });
    return { keys, section: (out.actions as Record<string, unknown> | undefined)?.mongodb };
  }

  it('carries the server, port and database name', () => {
    const { keys, section } = importKeys({ mongodb_enabled: 'on', mongodb_host: '10.0.0.5', mongodb_port: '27018', mongodb_database_name: 'attacks_db' });
    expect(section).toEqual({ enabled: true, uri: 'mongodb://10.0.0.5:27018', database: 'attacks_db' });
    expect([...keys.carried].sort()).toEqual(['mongodb_database_name', 'mongodb_enabled', 'mongodb_host', 'mongodb_port']);
  });

  it("takes FastNetMon's defaults for the keys left out, and brackets an IPv6 address", () => {
    expect(importKeys({ mongodb_enabled: 'on' }).section).toEqual({ enabled: true, uri: 'mongodb://localhost:27017', database: 'fastnetmon' });
    expect(importKeys({ mongodb_enabled: 'on', mongodb_host: '2001:db8::5' }).section).toMatchObject({ uri: 'mongodb://[2001:db8::5]:27017' });
  });

  it("falls back to FastNetMon's defaults, saying why, for a server or database it cannot carry", () => {
    const { keys, section } = importKeys({ mongodb_enabled: 'on', mongodb_host: 'db 1', mongodb_port: '70000', mongodb_database_name: 'fast.netmon' });
    expect(section).toEqual({ enabled: true, uri: 'mongodb://localhost:27017', database: 'fastnetmon' });
    expect(keys.notCarried.get('mongodb_host')).toMatch(/: floodwatch connects to localhost, FastNetMon's default$/);
    expect(keys.notCarried.get('mongodb_port')).toBe("70000 is not a TCP port (1 to 65535): floodwatch connects to 27017, FastNetMon's default");
    expect(keys.notCarried.get('mongodb_database_name')).toBe(
      "'fast.netmon' has '.', which MongoDB does not allow in a database name: floodwatch writes to fastnetmon, FastNetMon's default",
    );
  });

  it('writes nothing while mongodb_enabled is off, saying so for each key', () => {
    const { keys, section } = importKeys({ mongodb_enabled: 'off', mongodb_host: '10.0.0.5' });
    expect(section).toBeUndefined();
    expect(keys.notCarried.get('mongodb_enabled')).toBe("off here; floodwatch's MongoDB integration is off by default too");
    expect(keys.notCarried.get('mongodb_host')).toBe('mongodb_enabled = off');
    expect(importKeys({ redis_enabled: 'on' }).section).toBeUndefined();
  });
});
