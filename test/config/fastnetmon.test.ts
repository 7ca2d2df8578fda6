import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFastnetmonCommand } from '../../ts/cli/import-fastnetmon.js';
import { importFastnetmon } from '../../ts/config/fastnetmon.js';
import { parseFastnetmonConf } from '../../ts/config/fastnetmon-conf.js';
import { loadConfig, parseConfig } from '../../ts/config/load.js';
import { runCommand } from './output.js';

const testdata = (name: string) => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));
// Debian's /etc/fastnetmon.conf of FastNetMon 1.2.4, copied.
const DEBIAN_CONF = testdata('fastnetmon.conf');
const CUSTOM_CONF = testdata('fastnetmon-custom.conf');
const NETWORKS = testdata('networks_list');
const WHITELIST = testdata('networks_whitelist');

const LIST_FLAGS = ['--networks', NETWORKS, '--whitelist', WHITELIST];
const EXPECTED_NETWORKS = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.7/32', '10.0.0.0/8', '2001:db8::/32', '2001:db8:1::/48'];

describe("parseFastnetmonConf", () => {
  it('reads key = value lines as FastNetMon does', () => {
    const conf = parseFastnetmonConf('# comment\n  a = 1\nb=2\nhostgroup = x:10.0.0.0/8\nhostgroup = y:10.1.0.0/16\na = 3\nbroken line\nc = d = e\n');
    expect([...conf.values]).toEqual([
      ['a', '3'],
      ['b', '2'],
      ['hostgroup', 'y:10.1.0.0/16'],
    ]);
    expect(conf.hostgroups).toEqual(['x:10.0.0.0/8', 'y:10.1.0.0/16']);
    expect(conf.repeated).toEqual(['a']);
    expect(conf.malformed).toEqual([
      { line: 7, text: 'broken line' },
      { line: 8, text: 'c = d = e' },
    ]);
  });
});

describe("floodwatch import-fastnetmon of Debian's /etc/fastnetmon.conf", () => {
  it('prints YAML that loadConfig accepts unchanged, carrying the thresholds', async () => {
    const { code, stdout } = await runCommand(importFastnetmonCommand, [DEBIAN_CONF, ...LIST_FLAGS]);
    expect(code).toBe(0);
    expect(stdout.split('\n').slice(0, 2)).toEqual([
      "# floodwatch configuration imported by `floodwatch import-fastnetmon` from FastNetMon's",
      `# ${DEBIAN_CONF}, ${NETWORKS}, ${WHITELIST}.`,
    ]);
    const config = parseConfig(stdout, 'imported.yaml');
    expect(config.thresholds).toEqual({
      incoming: { pps: 20000, mbps: 1000 },
      outgoing: { pps: 20000, mbps: 1000 },
    });
    expect(config.ban).toEqual({ enabled: true, time_seconds: 1900, unban_only_if_attack_finished: true });
    expect(config.counters.average_window_ms).toBe(5000);
    expect(config.log_level).toBe('info');
    expect(config.networks).toEqual(EXPECTED_NETWORKS);
    expect(config.whitelist).toEqual(['192.0.2.53/32', '198.51.100.0/28']);
    expect(config.actions.script).toEqual({
      enabled: true,
      path: '/usr/local/bin/notify_about_attack.sh',
      format: 'text',
      timeout_seconds: 30,
    });
    // netflow and sflow are off in Debian's file: floodwatch keeps its default listeners.
    expect(config.sources.flow.listen).toHaveLength(6);
    expect(config.hostgroups).toEqual([]);
  });

  it('accounts for every key: carried, or listed on stderr as not carried with a reason', async () => {
    const conf = parseFastnetmonConf(await readFile(DEBIAN_CONF, 'utf8'));
    const result = importFastnetmon({
      confPath: DEBIAN_CONF,
      conf,
      networks: { path: NETWORKS, fromFlag: true, text: await readFile(NETWORKS, 'utf8') },
      whitelist: { path: WHITELIST, fromFlag: true, text: await readFile(WHITELIST, 'utf8') },
    });
    const notCarried = result.notCarried.map(({ key }) => key);
    expect([...result.carried, ...notCarried].sort()).toEqual([...conf.values.keys()].sort());
    expect(result.carried.filter((key) => notCarried.includes(key))).toEqual([]);
    expect(result.carried).toEqual(
      expect.arrayContaining([
        'threshold_pps', 'threshold_mbps', 'threshold_flows', 'ban_for_pps', 'ban_for_bandwidth', 'ban_for_flows',
        'threshold_tcp_pps', 'ban_for_tcp_pps', 'threshold_udp_mbps', 'ban_for_udp_bandwidth', 'threshold_icmp_pps',
        'process_incoming_traffic', 'process_outgoing_traffic', 'enable_ban', 'ban_time', 'unban_only_if_attack_finished',
        'average_calculation_time', 'notify_script_path', 'logging_level',
      ]),
    );

    const { stderr } = await runCommand(importFastnetmonCommand, [DEBIAN_CONF, ...LIST_FLAGS]);
    for (const { key, reason } of result.notCarried) {
      expect(stderr).toContain(`not carried: ${key} (${reason})\n`);
    }
    expect(stderr).toMatch(/^not carried: redis_enabled \(.+\)$/m);
    expect(stderr).toMatch(/^not carried: gobgp \(.+\)$/m);
    expect(stderr).toMatch(/^not carried: mirror_afpacket \(.+\)$/m);
    expect(stderr).toMatch(/^not carried: my_hosts_threshold_pps \(a setting of hostgroup my_hosts, .+\)$/m);
    expect(stderr).toMatch(/^note: my_hosts_\* settings belong to hostgroup my_hosts/m);
    expect(stderr).toMatch(/^not carried: netflow_sampling_ratio \(.+\)$/m);
    expect(stderr).toMatch(/^note: counters\.average_window_ms: 5000 from average_calculation_time = 5 \(FastNetMon's default is 5 s\)\. floodwatch's default, 1000 ms/m);
    expect(stderr).toMatch(/\nfloodwatch import-fastnetmon: \d+ keys carried, \d+ not carried\n$/);
  });

  it('normalizes the networks list and says so on stderr', async () => {
    const { stderr } = await runCommand(importFastnetmonCommand, [DEBIAN_CONF, ...LIST_FLAGS]);
    expect(stderr).toContain(`note: ${NETWORKS} line 6: '203.0.113.7' is a single host: taken as 203.0.113.7/32\n`);
    expect(stderr).toContain(`note: ${NETWORKS} line 7: '10.1.2.3/8' has host bits set: taken as 10.0.0.0/8\n`);
    expect(stderr).toContain(`note: ${NETWORKS} line 10: skipped: 'not-a-prefix' is not an IPv4 or IPv6 address\n`);
    expect(stderr).toContain(`note: ${WHITELIST} line 2: '192.0.2.53' is a single host: taken as 192.0.2.53/32\n`);
    expect(stderr).toContain('not carried: networks_list_path (--networks');
  });
});

describe('floodwatch import-fastnetmon with the lists the configuration names', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'floodwatch-import-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads networks_list_path and white_list_path', async () => {
    const conf = join(dir, 'fastnetmon.conf');
    const text = (await readFile(DEBIAN_CONF, 'utf8'))
      .replace('networks_list_path = /etc/networks_list', `networks_list_path = ${NETWORKS}`)
      .replace('white_list_path = /etc/networks_whitelist', `white_list_path = ${WHITELIST}`);
    await writeFile(conf, text);
    const { code, stdout, stderr } = await runCommand(importFastnetmonCommand, [conf]);
    expect(code).toBe(0);
    const config = parseConfig(stdout, 'imported.yaml');
    expect(config.networks).toEqual(EXPECTED_NETWORKS);
    expect(config.whitelist).toEqual(['192.0.2.53/32', '198.51.100.0/28']);
    expect(stderr).not.toContain('not carried: networks_list_path');
    expect(stderr).not.toContain('not carried: white_list_path');
  });

  it('keeps the default networks when the list cannot be read, and says so', async () => {
    const conf = join(dir, 'unreadable-lists.conf');
    await writeFile(conf, `networks_list_path = ${join(dir, 'missing')}\nwhite_list_path = ${join(dir, 'missing-too')}\nban_for_pps = on\nthreshold_pps = 1000\n`);
    const { code, stdout, stderr } = await runCommand(importFastnetmonCommand, [conf]);
    expect(code).toBe(0);
    const config = parseConfig(stdout, 'imported.yaml');
    expect(config.networks).toEqual(['0.0.0.0/0', '::/0']);
    expect(config.thresholds).toEqual({ incoming: { pps: 1000 }, outgoing: { pps: 1000 } });
    expect(stderr).toContain(`note: networks: ${join(dir, 'missing')} could not be read (no such file (check the path))`);
    expect(stderr).toContain(`not carried: networks_list_path (${join(dir, 'missing')}: no such file (check the path))`);
  });

  it('writes a file that loadConfig takes as it is', async () => {
    const { stdout } = await runCommand(importFastnetmonCommand, [CUSTOM_CONF, ...LIST_FLAGS]);
    const path = join(dir, 'floodwatch.yaml');
    await writeFile(path, stdout);
    const { config, source } = await loadConfig(path);
    expect(source).toBe(path);
    expect(config.thresholds.incoming?.pps).toBe(50000);
  });
});

describe('floodwatch import-fastnetmon of a configuration with flows, hostgroups and protocols', () => {
  it('carries listeners, per-protocol thresholds, directions, hostgroups and IPv6 bans', async () => {
    const { code, stdout, stderr } = await runCommand(importFastnetmonCommand, [CUSTOM_CONF, ...LIST_FLAGS]);
    expect(code).toBe(0);
    const config = parseConfig(stdout, 'imported.yaml');
    expect(config.log_level).toBe('debug');
    expect(config.sources.flow.listen).toEqual(['0.0.0.0:2055', '[::]:2055', '0.0.0.0:9995', '[::]:9995', '192.0.2.1:6343']);
    expect(config.counters.average_window_ms).toBe(1000);
    expect(config.thresholds).toEqual({
      incoming: { pps: 50000, flows: 4000, tcp: { mbps: 800 }, udp: { pps: 30000 } },
      outgoing: {},
    });
    expect(config.ban).toEqual({ enabled: true, time_seconds: 600, unban_only_if_attack_finished: false });
    expect(config.whitelist).toEqual(['192.0.2.53/32', '198.51.100.0/28', '::/0']);
    expect(config.hostgroups).toEqual([
      {
        name: 'customers',
        prefixes: ['192.0.2.0/25', '192.0.2.129/32'],
        ban: true,
        thresholds: { incoming: { pps: 100000 }, outgoing: {} },
      },
      {
        name: 'dns',
        prefixes: ['198.51.100.53/32'],
        ban: false,
        thresholds: { incoming: { udp: { pps: 70000 } }, outgoing: {} },
      },
    ]);

    expect(stderr).toContain("line 44: 'this line is not a setting' is not a key = value line");
    expect(stderr).toContain('note: enable_ban_ipv6 = off: carried as ::/0 in the whitelist');
    expect(stderr).toContain("note: hostgroup customers: '192.0.2.129' is a single host: taken as 192.0.2.129/32");
    expect(stderr).toContain('note: hostgroup dns: 192.0.2.0/25 is already in hostgroup customers');
    expect(stderr).toContain('note: hostgroup customers is defined twice: FastNetMon keeps the first line');
    expect(stderr).toContain('not carried: threshold_icmp_pps (ban_for_icmp_pps = on but threshold_icmp_pps is 0');
    expect(stderr).toContain('not carried: netflow_sampling_ratio (floodwatch takes the sampling rate each exporter reports; to force 1000');
    expect(stderr).toContain('note: redis_enabled = on in FastNetMon:');
    expect(stderr).toContain('not carried: some_future_option (not a FastNetMon 1.2.4 key this import knows)');
    expect(stderr).toContain('not carried: my_hosts_enable_ban (a setting of hostgroup my_hosts');
  });
});

describe('floodwatch import-fastnetmon exit codes', () => {
  it('exits 1 when a file cannot be read', async () => {
    const conf = await runCommand(importFastnetmonCommand, ['/nonexistent/fastnetmon.conf']);
    expect(conf.code).toBe(1);
    expect(conf.stdout).toBe('');
    expect(conf.stderr).toBe('/nonexistent/fastnetmon.conf: no such file (check the path)\n');
    const list = await runCommand(importFastnetmonCommand, [DEBIAN_CONF, '--networks', '/nonexistent/networks']);
    expect(list.code).toBe(1);
    expect(list.stdout).toBe('');
    expect(list.stderr).toBe('/nonexistent/networks: no such file (check the path)\n');
  });

  it('exits 2 on wrong usage and 0 on --help', async () => {
    expect((await runCommand(importFastnetmonCommand, [])).code).toBe(2);
    expect((await runCommand(importFastnetmonCommand, [DEBIAN_CONF, 'other.conf'])).code).toBe(2);
    expect((await runCommand(importFastnetmonCommand, [DEBIAN_CONF, '--networks'])).code).toBe(2);
    expect((await runCommand(importFastnetmonCommand, [DEBIAN_CONF, '--verbose'])).code).toBe(2);
    const help = await runCommand(importFastnetmonCommand, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: floodwatch import-fastnetmon FASTNETMON\.CONF/);
  });
});
