// actions.influxdb: its defaults, what check-config says of it, its metrics, and what
// import-fastnetmon makes of influxdb, influxdb_host, _port, _database, _auth, _user, _password
// and _push_period.
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { YamlComments } from '../../../ts/cli/import-fastnetmon/commented-yaml.js';
import { FastnetmonKeys } from '../../../ts/cli/import-fastnetmon/keys.js';
import { writeUrl } from '../../../ts/integrations/influxdb/client.js';
import { influxdb } from '../../../ts/integrations/influxdb/index.js';
import type { WholeConfig } from '../../../ts/integrations/types.js';

const defaults = influxdb.defaults();
const whole = {} as WholeConfig;
const enabled = (overrides: Record<string, unknown>) => ({ ...defaults, enabled: true, ...overrides });

describe('actions.influxdb', () => {
  it('defaults to off, valid against its schema, pushing every second to a local InfluxDB 1.x', () => {
    expect(Value.Check(influxdb.schema, defaults)).toBe(true);
    expect(defaults).toMatchObject({ enabled: false, url: 'http://127.0.0.1:8086', api: 'v1', push_seconds: 1, top_hosts: 20, gzip: true });
    expect(influxdb.describe(defaults)).toBe('influxdb at http://127.0.0.1:8086 (database floodwatch, every 1 s, top 20 hosts)');
  });

  it('refuses a URL that is not http(s), a user without a password, and api v2 without bucket or token', () => {
    const where = (config: Record<string, unknown>) => influxdb.check!(enabled(config) as typeof defaults, whole).map((p) => p.where);
    expect(where({ url: '127.0.0.1:8086' })).toEqual(['actions.influxdb.url']);
    expect(where({ url: 'udp://127.0.0.1:8089' })).toEqual(['actions.influxdb.url']);
    expect(where({ user: 'floodwatch' })).toEqual(['actions.influxdb.password']);
    expect(where({ api: 'v2' })).toEqual(['actions.influxdb.bucket', 'actions.influxdb.token']);
    expect(where({ api: 'v2', bucket: 'traffic', token: 't0ken' })).toEqual([]);
    expect(influxdb.check!({ ...defaults, url: 'nonsense' }, whole)).toEqual([]);
  });

  it('warns of a password or token sent in clear beyond this machine, and names them as secrets', () => {
    expect(influxdb.warnings!(enabled({ url: 'http://influx.example.net:8086', user: 'u', password: 'p' }) as typeof defaults)[0]).toMatch(
      /password crosses the network in clear.*https:\/\//,
    );
    expect(influxdb.warnings!(enabled({ url: 'https://influx.example.net', api: 'v2', token: 't' }) as typeof defaults)).toEqual([]);
    expect(influxdb.warnings!(enabled({ url: 'http://127.0.0.1:8086', user: 'u', password: 'p' }) as typeof defaults)).toEqual([]);
    expect(influxdb.secretKeys!(enabled({ user: 'u', password: 'p', token: 't' }) as typeof defaults)).toEqual(['password', 'token']);
  });

  it('writes to /write?db= (1.x) or /api/v2/write with org and bucket (2.x, 3.x), in milliseconds, behind a path prefix too', () => {
    expect(writeUrl({ url: 'http://127.0.0.1:8086', api: 'v1', database: 'fast net' }).href).toBe('http://127.0.0.1:8086/write?db=fast+net&precision=ms');
    expect(writeUrl({ url: 'https://influx.example.net/proxy/', api: 'v2', database: 'x', org: 'noc', bucket: 'traffic' }).href).toBe(
      'https://influx.example.net/proxy/api/v2/write?org=noc&bucket=traffic&precision=ms',
    );
    expect(writeUrl({ url: 'http://[::1]:8181', api: 'v2', database: 'x', bucket: 'traffic' }).href).toBe(
      'http://[::1]:8181/api/v2/write?bucket=traffic&precision=ms',
    );
  });

  it('names its metrics after itself', () => {
    expect(influxdb.metrics!.map((m) => m.name)).toEqual([
      'floodwatch_influxdb_points_pushed_total',
      'floodwatch_influxdb_points_dropped_total',
      'floodwatch_influxdb_errors_total',
      'floodwatch_influxdb_queue_batches',
      'floodwatch_influxdb_connected',
    ]);
  });
});

describe('import-fastnetmon', () => {
  function carry(values: Record<string, string>) {
    const keys = new FastnetmonKeys(new Map(Object.entries(values)));
    const comments = new YamlComments();
    const out: Record<string, unknown> = {};
    influxdb.importFastnetmon!({ keys, comments, out, networks: undefined, ipv4OnlyActions: [] });
    return { keys, comments, out };
  }

  it('carries every influxdb_* key when influxdb = on, as a valid section', () => {
    const { keys, out } = carry({
      influxdb: 'on',
      influxdb_host: 'influx.example.net',
      influxdb_port: '8087',
      influxdb_database: 'traffic',
      influxdb_auth: 'on',
      influxdb_user: 'fnm',
      influxdb_password: 'secret',
      influxdb_push_period: '5',
    });
    const section = (out.actions as Record<string, Record<string, unknown>>).influxdb;
    expect(section).toEqual({
      enabled: true,
      url: 'http://influx.example.net:8087',
      api: 'v1',
      database: 'traffic',
      user: 'fnm',
      password: 'secret',
      push_seconds: 5,
    });
    expect(keys.remaining()).toEqual([]);
    expect(keys.notCarried.size).toBe(0);
    expect(Value.Check(influxdb.schema, { ...defaults, ...section })).toBe(true);
  });

  it("uses FastNetMon's defaults where keys are absent, brackets an IPv6 host, and drops the user and password when influxdb_auth is off", () => {
    expect(carry({ influxdb: 'on' }).out).toEqual({
      actions: { influxdb: { enabled: true, url: 'http://127.0.0.1:8086', api: 'v1', database: 'fastnetmon' } },
    });
    const { keys, out } = carry({ influxdb: 'on', influxdb_host: '2001:db8::5', influxdb_auth: 'off', influxdb_user: 'fnm', influxdb_password: 'x' });
    expect((out.actions as Record<string, Record<string, unknown>>).influxdb).toMatchObject({ url: 'http://[2001:db8::5]:8086' });
    expect((out.actions as Record<string, Record<string, unknown>>).influxdb.user).toBeUndefined();
    expect(keys.notCarried.get('influxdb_password')).toBe('influxdb_auth = off');
  });

  it('writes nothing when influxdb is off, marking its keys not carried', () => {
    const { keys, out } = carry({ influxdb: 'off', influxdb_host: '127.0.0.1', influxdb_port: '8086' });
    expect(out).toEqual({});
    expect(keys.notCarried.get('influxdb')).toMatch(/off here/);
    expect(keys.notCarried.get('influxdb_port')).toBe('influxdb = off');
  });
});
