// actions.graphite: its defaults, what check-config says of it, its metrics, and what
// import-fastnetmon makes of graphite, graphite_host, _port, _prefix and _push_period.
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { YamlComments } from '../../../ts/cli/import-fastnetmon/commented-yaml.js';
import { FastnetmonKeys } from '../../../ts/cli/import-fastnetmon/keys.js';
import { graphite } from '../../../ts/integrations/graphite/index.js';

const defaults = graphite.defaults();

describe('actions.graphite', () => {
  it('defaults to off, valid against its schema, pushing every second to a local carbon', () => {
    expect(Value.Check(graphite.schema, defaults)).toBe(true);
    expect(defaults).toMatchObject({ enabled: false, host: '127.0.0.1', port: 2003, prefix: 'floodwatch', push_seconds: 1, top_hosts: 20 });
    expect(graphite.describe({ ...defaults, host: '2001:db8::3' })).toBe('graphite at [2001:db8::3]:2003 (prefix floodwatch, every 1 s, top 20 hosts)');
  });

  it('takes host names and IPv6 addresses, and a dotted prefix only', () => {
    for (const host of ['carbon.example.net', '2001:db8::3', '192.0.2.7']) expect(Value.Check(graphite.schema, { ...defaults, host })).toBe(true);
    expect(Value.Check(graphite.schema, { ...defaults, host: 'tcp://carbon:2003' })).toBe(false);
    expect(Value.Check(graphite.schema, { ...defaults, prefix: 'dc1.floodwatch' })).toBe(true);
    for (const prefix of ['', 'dc1..fw', 'fw.', 'my prefix']) expect(Value.Check(graphite.schema, { ...defaults, prefix }), prefix).toBe(false);
  });

  it('names its metrics after itself', () => {
    expect(graphite.metrics!.map((m) => m.name)).toEqual([
      'floodwatch_graphite_points_pushed_total',
      'floodwatch_graphite_points_dropped_total',
      'floodwatch_graphite_errors_total',
      'floodwatch_graphite_queue_batches',
      'floodwatch_graphite_connected',
    ]);
  });
});

describe('import-fastnetmon', () => {
  function carry(values: Record<string, string>) {
    const keys = new FastnetmonKeys(new Map(Object.entries(values)));
    const comments = new YamlComments();
    const out: Record<string, unknown> = {};
    graphite.importFastnetmon!({ keys, comments, out, networks: undefined, ipv4OnlyActions: [] });
    return { keys, comments, out };
  }

  it('carries every graphite_* key when graphite = on, as a valid section', () => {
    const { keys, out } = carry({
      graphite: 'on',
      graphite_host: 'carbon.example.net',
      graphite_port: '2013',
      graphite_prefix: 'dc1.fastnetmon',
      graphite_push_period: '10',
    });
    const section = (out.actions as Record<string, Record<string, unknown>>).graphite;
    expect(section).toEqual({ enabled: true, host: 'carbon.example.net', port: 2013, prefix: 'dc1.fastnetmon', push_seconds: 10 });
    expect(keys.remaining()).toEqual([]);
    expect(Value.Check(graphite.schema, { ...defaults, ...section })).toBe(true);
  });

  it("keeps FastNetMon's prefix (fastnetmon) when none is set, so that its dashboards' paths stay the same", () => {
    expect(carry({ graphite: 'on' }).out).toEqual({ actions: { graphite: { enabled: true, host: '127.0.0.1', port: 2003, prefix: 'fastnetmon' } } });
  });

  it("keeps FastNetMon's defaults for values it cannot use, saying why", () => {
    const { keys, out } = carry({ graphite: 'on', graphite_host: 'not a host', graphite_port: '70000', graphite_prefix: 'my prefix' });
    expect(out).toEqual({ actions: { graphite: { enabled: true, host: '127.0.0.1', port: 2003, prefix: 'fastnetmon' } } });
    expect(keys.notCarried.get('graphite_host')).toMatch(/not a host name/);
    expect(keys.notCarried.get('graphite_port')).toMatch(/70000 is not a port/);
    expect(keys.notCarried.get('graphite_prefix')).toMatch(/not a dotted Graphite path/);
  });

  it('writes nothing when graphite is off, marking its keys not carried', () => {
    const { keys, out } = carry({ graphite: 'off', graphite_host: '127.0.0.1' });
    expect(out).toEqual({});
    expect(keys.notCarried.get('graphite_host')).toBe('graphite = off');
  });
});
