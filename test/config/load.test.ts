import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedDefault } from '../../ts/config/defaults.js';
import { ConfigError, engineConfig, loadConfig, parseConfig } from '../../ts/config/load.js';
import { ACTION_NAMES, FloodwatchConfigSchema } from '../../ts/config/schema.js';
import { problemsOf } from './problems.js';

const EXAMPLE = fileURLToPath(new URL('../../config/floodwatch.example.yaml', import.meta.url));
const testdata = (name: string) => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));

describe('the embedded default', () => {
  it('is valid against the schema', () => {
    expect([...Value.Errors(FloodwatchConfigSchema, embeddedDefault())]).toEqual([]);
  });

  it('is what loadConfig gives without a file', async () => {
    const { config, source } = await loadConfig();
    expect(source).toBe('embedded default');
    expect(config).toEqual(embeddedDefault());
  });

  it("has DESIGN.md's listeners, networks and FastNetMon's thresholds, flows off", () => {
    const config = embeddedDefault();
    expect(config.sources.flow.listen).toEqual(['0.0.0.0:2055', '[::]:2055', '0.0.0.0:4739', '[::]:4739', '0.0.0.0:6343', '[::]:6343']);
    expect(config.state_dir).toBe('./floodwatch-state');
    expect(config.networks).toEqual(['0.0.0.0/0', '::/0']);
    for (const direction of ['incoming', 'outgoing'] as const) {
      expect(config.thresholds[direction]).toEqual({ pps: 20000, mbps: 1000 });
    }
    expect(config.ban).toEqual({ enabled: true, time_seconds: 1900, unban_only_if_attack_finished: true });
  });

  it('is a fresh copy each time', () => {
    embeddedDefault().networks.push('192.0.2.0/24');
    expect(embeddedDefault().networks).toEqual(['0.0.0.0/0', '::/0']);
  });
});

describe('the example file', () => {
  it('loads and holds the embedded default, value for value', async () => {
    const { config, source } = await loadConfig(EXAMPLE);
    expect(source).toBe(EXAMPLE);
    expect(config).toEqual(embeddedDefault());
  });

  it('loads with its commented hostgroup and SMTP login switched on', async () => {
    const text = (await readFile(EXAMPLE, 'utf8'))
      .replace('hostgroups: []\n', 'hostgroups:\n')
      .replace(/^# {2}(- name: customers-web)$/m, '  $1')
      .replace(/^# {4}(\S.*)$/gm, '    $1')
      .replace(/^# {6}(incoming: .*)$/m, '      $1')
      .replace(/^( {6})# (user|password): /gm, '$1$2: ')
      .replace(/enabled: false/g, 'enabled: true');
    const config = parseConfig(text, 'example with hostgroup');
    expect(config.hostgroups).toEqual([
      {
        name: 'customers-web',
        prefixes: ['192.0.2.0/25', '2001:db8:100::/48'],
        ban: true,
        thresholds: { incoming: { pps: 50000, mbps: 2000, tcp_syn: { pps: 20000 } }, outgoing: {} },
        actions: ['script', 'email'],
      },
    ]);
    expect(config.actions.email.smtp).toMatchObject({ user: 'floodwatch', password: 'secret' });
  });
});

describe('merging a file over the default', () => {
  it('takes every key left out from the default', () => {
    const config = parseConfig('state_dir: /var/lib/floodwatch\ncounters: { tick_ms: 50 }\n', 'partial.yaml');
    expect(config.state_dir).toBe('/var/lib/floodwatch');
    expect(config.counters).toEqual({ ...embeddedDefault().counters, tick_ms: 50 });
    expect(config.thresholds).toEqual(embeddedDefault().thresholds);
  });

  it('takes an empty file as the default', () => {
    expect(parseConfig('# nothing\n', 'empty.yaml')).toEqual(embeddedDefault());
  });

  it('replaces the thresholds block whole: what it leaves out is off, null is off', () => {
    const config = parseConfig('thresholds:\n  incoming:\n    pps: null\n    udp: { pps: 5000, mbps: null }\n    icmp: null\n', 't.yaml');
    expect(config.thresholds).toEqual({ incoming: { udp: { pps: 5000 } }, outgoing: {} });
  });

  it('canonicalizes prefixes and addresses', () => {
    const config = parseConfig(
      'networks: ["2001:DB8:0::/32"]\nsources: { flow: { allowed_exporters: ["2001:DB8::/64"], sampling_overrides: [{ exporter: "2001:DB8::1", rate: 100 }] } }\n',
      'c.yaml',
    );
    expect(config.networks).toEqual(['2001:db8::/32']);
    expect(config.sources.flow.allowed_exporters).toEqual(['2001:db8::/64']);
    expect(config.sources.flow.sampling_overrides).toEqual([{ exporter: '2001:db8::1', rate: 100 }]);
  });

  it('accepts YAML anchors and merge keys', () => {
    const config = parseConfig('thresholds:\n  incoming: &same { pps: 1000 }\n  outgoing:\n    <<: *same\n    mbps: 10\n', 'anchors.yaml');
    expect(config.thresholds).toEqual({ incoming: { pps: 1000 }, outgoing: { pps: 1000, mbps: 10 } });
  });
});

describe('error messages', () => {
  it('name an unknown key by its path and suggest the right one', () => {
    expect(problemsOf('thresholds:\n  incoming:\n    ppss: 20000\n')).toEqual(['test.yaml: thresholds.incoming.ppss: unknown key (did you mean pps?)']);
    expect(problemsOf('ban:\n  time: 60\n')).toEqual([
      'test.yaml: ban.time: unknown key (the keys here are enabled, time_seconds, unban_only_if_attack_finished)',
    ]);
    expect(problemsOf('networks_list_path: /etc/networks_list\n')[0]).toContain('floodwatch import-fastnetmon');
  });

  it('refuse a prefix with host bits set, naming the network', () => {
    expect(problemsOf('networks: ["192.0.2.0/24", "10.0.0.0/8", "10.0.0.1/8"]\n')).toEqual([
      "test.yaml: networks[2]: '10.0.0.1/8' has host bits set (the network is 10.0.0.0/8)",
    ]);
  });

  it('refuse every bad prefix and listen address, each with its reason', () => {
    expect(
      problemsOf(
        'whitelist: ["192.0.2.1"]\nsources:\n  flow:\n    listen: ["0.0.0.0"]\n    allowed_exporters: ["10.0.0.0/33"]\n    sampling_overrides: [{ exporter: "10.0.0.0/8", rate: 10 }]\nhostgroups: [{ name: a, prefixes: ["2001:db8::1/32"] }]\n',
      ),
    ).toEqual([
      "test.yaml: sources.flow.listen[0]: '0.0.0.0' has no port (write 0.0.0.0:2055)",
      "test.yaml: sources.flow.allowed_exporters[0]: '10.0.0.0/33': the prefix length 33 is out of range (0 to 32 for IPv4)",
      "test.yaml: sources.flow.sampling_overrides[0].exporter: '10.0.0.0/8' is not an IPv4 or IPv6 address",
      "test.yaml: whitelist[0]: '192.0.2.1' has no prefix length (write 192.0.2.1/32 for a single host)",
      "test.yaml: hostgroups[0].prefixes[0]: '2001:db8::1/32' has host bits set (the network is 2001:db8::/32)",
    ]);
  });

  it('say what type was expected and what was found', () => {
    expect(
      problemsOf(
        'log_level: verbose\ncounters: { tick_ms: 0, max_hosts: 1.5 }\nthresholds:\n  incoming: { pps: "1000", mbps: -5, udp: 7 }\n  outgoing: 20000\nban: { enabled: on }\nactions: { script: { format: xml } }\n',
      ),
    ).toEqual([
      "test.yaml: log_level: expected one of trace, debug, info, warn, error, got 'verbose'",
      'test.yaml: counters.tick_ms: expected a whole number of at least 1, got 0',
      'test.yaml: counters.max_hosts: expected a whole number of at least 1, got 1.5',
      "test.yaml: thresholds.incoming.pps: expected a number greater than 0, or null (off), got '1000' (write the number without quotes)",
      'test.yaml: thresholds.incoming.mbps: expected a number greater than 0, got -5',
      'test.yaml: thresholds.incoming.udp: expected a mapping (keys: pps, mbps), or null (off), got 7',
      'test.yaml: thresholds.outgoing: expected a mapping (keys: pps, mbps, flows, tcp, tcp_syn, udp, icmp, fragments), or null (off), got 20000',
      "test.yaml: ban.enabled: expected true or false, got 'on' (write true or false)",
      "test.yaml: actions.script.format: expected one of text, json, got 'xml'",
    ]);
  });

  it('report a missing key and an empty list', () => {
    expect(problemsOf('hostgroups:\n  - prefixes: []\n')).toEqual([
      'test.yaml: hostgroups[0].name: missing: this key is required (a non-empty string)',
      'test.yaml: hostgroups[0].prefixes: must list at least 1 item (an IP prefix such as 192.0.2.0/24 or 2001:db8::/32)',
    ]);
  });

  it('give the line and column of a YAML syntax error', () => {
    const problems = problemsOf('networks: ["192.0.2.0/24"\nthresholds:\n  incoming: { pps: 1000 }\n');
    expect(problems[0]).toMatch(/^test\.yaml: line 2, column 1: YAML syntax error: /);
    expect(problemsOf('ban:\n  enabled: true\n  enabled: false\n')).toEqual(['test.yaml: line 3, column 3: YAML syntax error: Map keys must be unique']);
  });

  it('refuse a file whose top level is not a mapping', () => {
    expect(problemsOf('- 192.0.2.0/24\n')).toEqual([
      'test.yaml: (top level): expected a mapping of keys (state_dir:, networks:, thresholds:, ...), got a list',
    ]);
  });

  it('keep a __proto__ key a key, refused as unknown', () => {
    expect(problemsOf('__proto__: { log_level: debug }\n')[0]).toMatch(/^test\.yaml: __proto__: unknown key/);
  });

  it('list every problem of a file, with its path', async () => {
    const path = testdata('invalid.yaml');
    const error = await loadConfig(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).source).toBe(path);
    expect((error as ConfigError).message.split('\n')).toEqual([
      `${path}: log_level: expected one of trace, debug, info, warn, error, got 'verbose'`,
      `${path}: networks[1]: '10.0.0.1/8' has host bits set (the network is 10.0.0.0/8)`,
      `${path}: networks[2]: '2001:db8::1' has no prefix length (write 2001:db8::1/128 for a single host)`,
      `${path}: thresholds.incoming.ppss: unknown key (did you mean pps?)`,
      `${path}: thresholds.incoming.mbps: expected a number greater than 0, or null (off), got '1000' (write the number without quotes)`,
      `${path}: thresholds.outgoing.udp.pps: expected a number greater than 0, got -1`,
      `${path}: ban.enabled: expected true or false, got 'on' (write true or false)`,
      `${path}: ban.time_seconds: expected a whole number of at least 1, got 1.5`,
    ]);
  });

  it('report a YAML syntax error of a file with its line', async () => {
    const path = testdata('syntax-error.yaml');
    await expect(loadConfig(path)).rejects.toThrow(new RegExp(`^${path}: line 2, column 1: YAML syntax error: `));
  });

  it('say when the file cannot be read', async () => {
    await expect(loadConfig('/nonexistent/floodwatch.yaml')).rejects.toThrow('/nonexistent/floodwatch.yaml: no such file (check the path)');
  });
});

describe('semantic checks', () => {
  it('refuse duplicate hostgroup names, blank names and a prefix in two hostgroups', () => {
    expect(
      problemsOf(
        'hostgroups:\n  - { name: web, prefixes: ["192.0.2.0/25", "2001:db8::/32"] }\n  - { name: web, prefixes: ["192.0.2.128/25"] }\n  - { name: " ", prefixes: ["2001:DB8::/32"] }\n  - { name: dns, prefixes: ["198.51.100.0/24", "198.51.100.0/24"] }\n',
      ),
    ).toEqual([
      "test.yaml: hostgroups[1].name: 'web' is already the name of hostgroups[0] (hostgroup names must be unique)",
      'test.yaml: hostgroups[2].name: is blank: give the hostgroup a name',
      "test.yaml: hostgroups[2].prefixes[0]: 2001:DB8::/32 is already in hostgroup 'web' (hostgroups[0].prefixes[1]); a prefix belongs to one hostgroup",
      'test.yaml: hostgroups[3].prefixes[1]: 198.51.100.0/24 is listed twice in this hostgroup (also prefixes[0])',
    ]);
  });

  it('refuse an unknown action and an action that is not enabled', () => {
    expect(problemsOf('hostgroups: [{ name: a, prefixes: ["192.0.2.0/24"], actions: [bgp_blackhole] }]\n')).toEqual([
      `test.yaml: hostgroups[0].actions[0]: expected one of ${ACTION_NAMES.join(', ')}, got 'bgp_blackhole'`,
    ]);
    expect(problemsOf('hostgroups: [{ name: a, prefixes: ["192.0.2.0/24"], actions: [email] }]\n')).toEqual([
      'test.yaml: hostgroups[0].actions[0]: the email action is not enabled (set actions.email.enabled: true, or remove email from this list)',
    ]);
  });

  it('refuse an enabled e-mail action without recipient and a relative script path', () => {
    expect(problemsOf('actions:\n  script: { enabled: true, path: notify.sh }\n  email: { enabled: true, to: [] }\n')).toEqual([
      "test.yaml: actions.script.path: 'notify.sh' is not an absolute path (the script runs without a shell or PATH lookup: write its full path, e.g. /usr/local/bin/notify_about_attack.sh)",
      'test.yaml: actions.email.to: is empty, but the e-mail action is enabled (add a recipient, or set actions.email.enabled: false)',
    ]);
    expect(parseConfig('actions: { email: { to: [] } }\n', 'ok.yaml').actions.email.to).toEqual([]);
  });

  it('refuse a BGP community whose parts do not fit in 16 bits (32 for large ones)', () => {
    expect(
      problemsOf(
        'actions: { gobgp: { blackhole: { communities: ["65001:666", "99999:1"], large_communities: ["1:2:4294967296"], subnet: { communities: ["1:70000"] } } } }\n',
      ),
    ).toEqual([
      "test.yaml: actions.gobgp.blackhole.communities[1]: '99999:1': each part must be 0 to 65535",
      "test.yaml: actions.gobgp.blackhole.subnet.communities[0]: '1:70000': each part must be 0 to 65535",
      "test.yaml: actions.gobgp.blackhole.large_communities[0]: '1:2:4294967296': each part must be 0 to 4294967295",
    ]);
  });

  it('refuse no monitored network, a listen address twice and two overrides for an exporter', () => {
    expect(
      problemsOf(
        'networks: []\nsources:\n  flow:\n    listen: ["[::]:2055", "[0::0]:2055"]\n    sampling_overrides: [{ exporter: 192.0.2.1, rate: 10 }, { exporter: 192.0.2.1, rate: 20 }]\n',
      ),
    ).toEqual([
      'test.yaml: networks: is empty: no address would be monitored (list your prefixes, or leave the key out to monitor every address)',
      "test.yaml: sources.flow.listen[1]: '[0::0]:2055' is listed twice (also sources.flow.listen[0])",
      'test.yaml: sources.flow.sampling_overrides[1].exporter: exporter 192.0.2.1 already has an override (sources.flow.sampling_overrides[0])',
    ]);
  });
});

describe('engineConfig', () => {
  it('maps the sources, networks and counters with the same keys', () => {
    const config = parseConfig(
      'networks: ["192.0.2.0/24"]\nsources: { flow: { listen: ["127.0.0.1:0"], workers: 2, allowed_exporters: ["10.0.0.0/8"], sampling_overrides: [{ exporter: 10.0.0.1, rate: 512 }] }, mirror: [{ interface: eth1, fanout: lb, sampling_rate: 4 }] }\ncounters: { tick_ms: 50, average_window_ms: 500 }\n',
      'engine.yaml',
    );
    expect(engineConfig(config)).toEqual({
      listen: ['127.0.0.1:0'],
      workers: 2,
      receive_buffer_bytes: 33554432,
      allowed_exporters: ['10.0.0.0/8'],
      sampling_overrides: [{ exporter: '10.0.0.1', rate: 512 }],
      max_sampling_rate: 100000,
      max_exporters: 32768,
      template_memory_bytes: 67108864,
      networks: ['192.0.2.0/24'],
      tick_ms: 50,
      average_window_ms: 500,
      idle_timeout_ms: 120000,
      max_hosts: 1000000,
      protect_fraction: 0.5,
      max_spread_seconds: 60,
      min_evidence_datagrams: 2,
      mirror: [{ interface: 'eth1', fanout: 'lb', sampling_rate: 4 }],
      fingerprint_packets: 500,
      fingerprint_snap_len: 1518,
    });
  });

  it('refuses a mirror with an unknown capture engine, naming the key', () => {
    expect(problemsOf('sources: { mirror: [{ interface: eth1, engine: pcap }] }\n').join('\n')).toMatch(/sources\.mirror\[0\]\.engine/);
  });

  it('refuses a mirror block size off the page size and an AF_XDP ring that is not a power of two', () => {
    expect(problemsOf('sources: { mirror: [{ interface: eth1, block_size: 1000000 }, { interface: eth2, engine: af_xdp, xdp_ring_size: 10000 }] }\n')).toEqual([
      'test.yaml: sources.mirror[0].block_size: 1000000 is not a multiple of the page size (4096 bytes)',
      'test.yaml: sources.mirror[1].xdp_ring_size: 10000 is not a power of two (e.g. 8192)',
    ]);
  });

  it('hands the AF_XDP ring, frames and batch wait to the engine', () => {
    const config = parseConfig(
      'sources: { mirror: [{ interface: eth1, engine: af_xdp, xdp_frame_count: 65536, xdp_ring_size: 32768, batch_wait_ms: 5 }] }\n',
      'xdp.yaml',
    );
    expect(engineConfig(config).mirror).toEqual([{ interface: 'eth1', engine: 'af_xdp', xdp_frame_count: 65536, xdp_ring_size: 32768, batch_wait_ms: 5 }]);
  });

  it('hands the embedded default to the engine unchanged', () => {
    const config = embeddedDefault();
    const engine = engineConfig(config);
    expect(engine.listen).toEqual(config.sources.flow.listen);
    expect(engine.networks).toEqual(config.networks);
    expect(engine.tick_ms).toBe(config.counters.tick_ms);
  });
});

describe('loadConfig with a file on disk', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'floodwatch-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('returns the path as its source', async () => {
    const path = join(dir, 'floodwatch.yaml');
    await writeFile(path, 'log_level: debug\n');
    const { config, source } = await loadConfig(path);
    expect(source).toBe(path);
    expect(config.log_level).toBe('debug');
  });

  it('says when the path is a directory', async () => {
    await expect(loadConfig(dir)).rejects.toThrow(`${dir}: is a directory, not a file`);
  });
});
