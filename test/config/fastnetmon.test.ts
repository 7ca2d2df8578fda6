import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFastnetmonCommand } from '../../ts/cli/import-fastnetmon/command.js';
import { importFastnetmon } from '../../ts/cli/import-fastnetmon/import.js';
import { parseFastnetmonConf } from '../../ts/cli/import-fastnetmon/conf.js';
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

/**
 * Debian's file with some keys set to other values (null: removed; a key it lacks is added),
 * imported with the test lists or `networks`; its result must pass floodwatch's validation and
 * account for every key once.
 */
async function importChanged(changes: Record<string, string | null>, networks?: string) {
  let text = await readFile(DEBIAN_CONF, 'utf8');
  for (const [key, value] of Object.entries(changes)) {
    const line = new RegExp(`^${key} = .*$`, 'm');
    if (value === null) text = text.replace(line, '');
    else text = line.test(text) ? text.replace(line, `${key} = ${value}`) : `${text}\n${key} = ${value}\n`;
  }
  const conf = parseFastnetmonConf(text);
  const result = importFastnetmon({
    confPath: 'fastnetmon.conf',
    conf,
    networks: { path: NETWORKS, fromFlag: true, text: networks ?? (await readFile(NETWORKS, 'utf8')) },
    whitelist: { path: WHITELIST, fromFlag: true, text: await readFile(WHITELIST, 'utf8') },
  });
  const config = parseConfig(result.yaml, 'imported.yaml');
  const notCarried = new Map(result.notCarried.map(({ key, reason }) => [key, reason]));
  expect([...result.carried, ...notCarried.keys()].sort()).toEqual([...conf.values.keys()].sort());
  expect(result.carried.filter((key) => notCarried.has(key))).toEqual([]);
  return { result, config, notCarried, notes: result.notes.join('\n') };
}

/** A networks list whose IPv4 prefixes are all /24. */
const NETWORKS_24 = '192.0.2.0/24\n198.51.100.0/24\n2001:db8::/32\n';

describe('parseFastnetmonConf', () => {
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
    // Mirror capture, GoBGP and ExaBGP are off in Debian's file: nothing of them is written.
    expect(config.sources.mirror).toEqual([]);
    expect(config.actions.gobgp.enabled).toBe(false);
    expect(config.actions.exabgp.enabled).toBe(false);
    expect(stdout).not.toMatch(/^\s*(mirror|gobgp|exabgp|hostgroups):/m);
  });

  it('gives the mirror and BGP keys reasons that hold, none of them "not yet"', async () => {
    const { result } = await importChanged({});
    const captureOrBgp = /^(mirror_|xdp_|af_packet_|netmap_|poll_mode_xdp|zero_copy_xdp|force_native_mode_xdp|microcode_xdp_path|interfaces|pcap|gobgp|exabgp)/;
    const reasons = result.notCarried.filter(({ key }) => captureOrBgp.test(key));
    expect(reasons.map(({ key }) => key)).toEqual(
      expect.arrayContaining(['mirror_afpacket', 'mirror_afxdp', 'interfaces', 'gobgp', 'exabgp', 'gobgp_announce_host_ipv6']),
    );
    for (const { reason } of reasons) expect(reason).not.toMatch(/yet|later/);
    expect(result.notes.join('\n')).not.toMatch(/(mirror_afpacket|mirror_afxdp|gobgp|exabgp) = on in FastNetMon/);
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
        'threshold_pps',
        'threshold_mbps',
        'threshold_flows',
        'ban_for_pps',
        'ban_for_bandwidth',
        'ban_for_flows',
        'threshold_tcp_pps',
        'ban_for_tcp_pps',
        'threshold_udp_mbps',
        'ban_for_udp_bandwidth',
        'threshold_icmp_pps',
        'process_incoming_traffic',
        'process_outgoing_traffic',
        'enable_ban',
        'ban_time',
        'unban_only_if_attack_finished',
        'average_calculation_time',
        'notify_script_path',
        'logging_level',
      ]),
    );

    const { stderr } = await runCommand(importFastnetmonCommand, [DEBIAN_CONF, ...LIST_FLAGS, '--verbose']);
    for (const { key, reason } of result.notCarried) {
      expect(stderr).toContain(`not carried: ${key} (${reason})\n`);
    }
    expect(stderr).toMatch(/^not carried: redis_enabled \(.+\)$/m);
    expect(stderr).toMatch(/^not carried: gobgp \(off here; floodwatch's GoBGP action is off by default too\)$/m);
    expect(stderr).toMatch(/^not carried: gobgp_next_hop \(gobgp = off\)$/m);
    expect(stderr).toMatch(/^not carried: exabgp_community \(exabgp = off\)$/m);
    expect(stderr).toMatch(/^not carried: mirror_afpacket \(mirror_afpacket and mirror_afxdp are both off here\)$/m);
    expect(stderr).toMatch(/^not carried: zero_copy_xdp \(mirror_afpacket and mirror_afxdp are both off here\)$/m);
    expect(stderr).toMatch(/^not carried: interfaces \(mirror_afpacket, mirror_afxdp, mirror_netmap and pcap are all off here: no interface is captured\)$/m);
    expect(stderr).toMatch(/^not carried: pcap \(.*`floodwatch replay FILE\.pcap` reads pcap files\)$/m);
    expect(stderr).toMatch(/^not carried: mirror_netmap \(floodwatch has no netmap capture/m);
    expect(stderr).toMatch(/^not carried: my_hosts_threshold_pps \(a setting of hostgroup my_hosts, .+\)$/m);
    expect(stderr).toMatch(/^note: my_hosts_\* settings belong to hostgroup my_hosts/m);
    expect(stderr).toMatch(/^not carried: netflow_sampling_ratio \(.+\)$/m);
    expect(stderr).toMatch(
      /^note: counters\.average_window_ms: 5000 from average_calculation_time = 5 \(FastNetMon's default is 5 s\)\. floodwatch's default, 1000 ms/m,
    );
    expect(stderr).toMatch(/\nfloodwatch import-fastnetmon: \d+ keys carried, \d+ not carried\n$/);
  });

  it('normalizes the networks list and says so on stderr', async () => {
    const { stderr } = await runCommand(importFastnetmonCommand, [DEBIAN_CONF, ...LIST_FLAGS, '--verbose']);
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
    await writeFile(
      conf,
      `networks_list_path = ${join(dir, 'missing')}\nwhite_list_path = ${join(dir, 'missing-too')}\nban_for_pps = on\nthreshold_pps = 1000\n`,
    );
    const { code, stdout, stderr } = await runCommand(importFastnetmonCommand, [conf]);
    expect(code).toBe(0);
    const config = parseConfig(stdout, 'imported.yaml');
    expect(config.networks).toEqual(['0.0.0.0/0', '::/0']);
    expect(config.thresholds).toEqual({ incoming: { pps: 1000 }, outgoing: { pps: 1000 } });
    expect(stderr).toContain(`  networks: ${join(dir, 'missing')} could not be read (no such file (check the path))`);
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
    const { code, stdout, stderr } = await runCommand(importFastnetmonCommand, [CUSTOM_CONF, ...LIST_FLAGS, '--verbose']);
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
    expect(stderr).not.toContain('redis_enabled'); // carried: actions.redis
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
    expect((await runCommand(importFastnetmonCommand, [DEBIAN_CONF, '--frobnicate'])).code).toBe(2);
    const help = await runCommand(importFastnetmonCommand, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: floodwatch import-fastnetmon FASTNETMON\.CONF/);
  });
});

describe('floodwatch import-fastnetmon of mirror-port capture', () => {
  it('carries AF_PACKET as one sources.mirror entry per interface, with fanout and sampling rate', async () => {
    const { result, config, notCarried } = await importChanged({
      mirror_afpacket: 'on',
      interfaces: 'eth3,eth4, eth5',
      mirror_af_packet_fanout_mode: 'hash',
      mirror_af_packet_custom_sampling_rate: '64',
    });
    const entry = { engine: 'af_packet', fanout: 'hash', promiscuous: true, sampling_rate: 64 };
    expect(config.sources.mirror).toEqual([
      { interface: 'eth3', ...entry },
      { interface: 'eth4', ...entry },
      { interface: 'eth5', ...entry },
    ]);
    expect(result.carried).toEqual(
      expect.arrayContaining(['mirror_afpacket', 'mirror_afxdp', 'interfaces', 'mirror_af_packet_fanout_mode', 'mirror_af_packet_custom_sampling_rate']),
    );
    for (const key of ['xdp_set_promisc', 'zero_copy_xdp', 'force_native_mode_xdp', 'poll_mode_xdp', 'microcode_xdp_path']) {
      expect(notCarried.get(key)).toBe('mirror_afxdp = off');
    }
    expect(notCarried.get('af_packet_read_packet_length_from_ip_header')).toBe('floodwatch always counts IP-layer bytes, the IP total length');
    expect(result.yaml).toContain('# From mirror_afpacket = on and interfaces (eth3,eth4,eth5): one entry per interface.');
    expect(result.yaml).toContain('fanout: hash # mirror_af_packet_fanout_mode');
    expect(result.yaml).toContain('sampling_rate: 64 # mirror_af_packet_custom_sampling_rate');
  });

  it.each([
    ['cpu', 'cpu'],
    ['lb', 'lb'],
    ['hash', 'hash'],
    [null, 'cpu'],
    ['no_such_mode', 'cpu'],
  ])('carries fanout mode %s as %s', async (mode, fanout) => {
    const { config, notes } = await importChanged({ mirror_afpacket: 'on', interfaces: 'eth3', mirror_af_packet_fanout_mode: mode });
    expect(config.sources.mirror).toEqual([{ interface: 'eth3', engine: 'af_packet', fanout, promiscuous: true }]);
    if (mode === 'no_such_mode')
      expect(notes).toContain('mirror_af_packet_fanout_mode = no_such_mode is not a fanout mode FastNetMon knows: it falls back to cpu');
  });

  it.each(['random', 'rollover', 'queue_mapping'])('reports fanout mode %s, which floodwatch does not have', async (mode) => {
    const { config, notCarried } = await importChanged({ mirror_afpacket: 'on', mirror_af_packet_fanout_mode: mode });
    expect(config.sources.mirror.map((entry) => entry.fanout)).toEqual([undefined, undefined]);
    expect(notCarried.get('mirror_af_packet_fanout_mode')).toMatch(
      new RegExp(`^${mode} .*is not one of floodwatch's fanout modes \\(hash, cpu, lb\\): floodwatch's default, hash, is used`),
    );
  });

  it('leaves the sampling rate out at 1 and reports one that is not a number', async () => {
    const one = await importChanged({ mirror_afpacket: 'on' });
    expect(one.config.sources.mirror[0]).not.toHaveProperty('sampling_rate');
    expect(one.result.carried).toContain('mirror_af_packet_custom_sampling_rate');
    const word = await importChanged({ mirror_afpacket: 'on', mirror_af_packet_custom_sampling_rate: 'many' });
    expect(word.notCarried.get('mirror_af_packet_custom_sampling_rate')).toBe("'many' is not a whole number");
  });

  it('carries AF_XDP with promiscuous mode, native mode and zero-copy', async () => {
    const { config, notCarried, notes } = await importChanged({
      mirror_afxdp: 'on',
      xdp_set_promisc: 'on',
      force_native_mode_xdp: 'on',
      zero_copy_xdp: 'on',
      mirror_af_packet_custom_sampling_rate: '10',
    });
    const entry = { engine: 'af_xdp', promiscuous: true, xdp_mode: 'native', zero_copy: 'on' };
    expect(config.sources.mirror).toEqual([
      { interface: 'eth3', ...entry },
      { interface: 'eth4', ...entry },
    ]);
    expect(notCarried.get('poll_mode_xdp')).toMatch(/^floodwatch paces its AF_XDP reads itself/);
    expect(notCarried.get('microcode_xdp_path')).toMatch(/^floodwatch loads its own XDP program/);
    expect(notCarried.get('mirror_af_packet_custom_sampling_rate')).toBe('mirror_afpacket = off');
    expect(notCarried.get('mirror_af_packet_fanout_mode')).toBe('mirror_afpacket = off');
    expect(notes).toContain("mirror_afxdp: FastNetMon 1.2.4's AF_XDP captures the first interface listed only (eth3), on its RX queue 0");
    expect(notes).toContain('FastNetMon applies it to AF_PACKET capture only, not to AF_XDP; if the mirror port is sampled, set sampling_rate: 10');
  });

  it("keeps floodwatch's AF_XDP defaults where FastNetMon's file has its own off, and says so", async () => {
    const stock = await importChanged({ mirror_afxdp: 'on', xdp_set_promisc: 'off', interfaces: 'eth3' });
    expect(stock.config.sources.mirror).toEqual([{ interface: 'eth3', engine: 'af_xdp', promiscuous: false }]);
    expect(stock.notCarried.get('force_native_mode_xdp')).toMatch(
      /^off: FastNetMon then runs XDP in generic \(SKB\) mode; floodwatch's default, xdp_mode: auto/,
    );
    expect(stock.notCarried.get('zero_copy_xdp')).toMatch(/^off: floodwatch's default, zero_copy: auto/);
    // Without native mode FastNetMon copies whatever zero_copy_xdp says.
    const copy = await importChanged({ mirror_afxdp: 'on', zero_copy_xdp: 'on' });
    expect(copy.config.sources.mirror[0]).not.toHaveProperty('zero_copy');
    expect(copy.notCarried.get('zero_copy_xdp')).toMatch(/^FastNetMon asks for zero-copy only with force_native_mode_xdp = on/);
  });

  it('captures with AF_PACKET alone when both engines are on', async () => {
    const { config, notCarried, notes } = await importChanged({ mirror_afpacket: 'on', mirror_afxdp: 'on', interfaces: 'eth3' });
    expect(config.sources.mirror).toEqual([{ interface: 'eth3', engine: 'af_packet', fanout: 'cpu', promiscuous: true }]);
    expect(notCarried.get('mirror_afxdp')).toMatch(/^mirror_afpacket is on too: floodwatch captures an interface with one engine/);
    expect(notCarried.get('xdp_set_promisc')).toBe('mirror_afxdp is not carried (mirror_afpacket is on too)');
    expect(notes).toContain('mirror_afxdp = on in FastNetMon: mirror_afpacket is on too');
  });

  it('carries no mirror source without a usable interface, and leaves bad names out', async () => {
    const none = await importChanged({ mirror_afpacket: 'on', interfaces: '' });
    expect(none.config.sources.mirror).toEqual([]);
    expect(none.notCarried.get('mirror_afpacket')).toMatch(/^mirror_afpacket = on but interfaces lists no usable interface/);
    const some = await importChanged({ mirror_afpacket: 'on', interfaces: 'eth3,eth3,bond0.100,a-very-long-interface,eth0:1' });
    expect(some.config.sources.mirror.map((entry) => entry.interface)).toEqual(['eth3', 'bond0.100']);
    expect(some.notes).toContain('interfaces: eth3 is listed twice: captured once');
    expect(some.notes).toContain("interfaces: 'a-very-long-interface' is not a Linux interface name");
    expect(some.notes).toContain("interfaces: 'eth0:1' is not a Linux interface name");
  });

  it('says which capture the interfaces belong to when only netmap or pcap is on', async () => {
    const { notCarried, notes } = await importChanged({ pcap: 'on' });
    expect(notCarried.get('interfaces')).toBe('the interfaces of pcap = on, which floodwatch has no equivalent for (see pcap)');
    expect(notes).toContain('pcap = on in FastNetMon: floodwatch does not capture live through libpcap');
  });
});

describe('floodwatch import-fastnetmon of GoBGP', () => {
  it('carries the next hops, communities, subnet and IPv6 announcements', async () => {
    const { result, config, notCarried } = await importChanged(
      {
        gobgp: 'on',
        gobgp_next_hop: '192.0.2.66',
        gobgp_announce_whole_subnet: 'on',
        gobgp_announce_host_ipv6: 'on',
        gobgp_next_hop_ipv6: '2001:db8::66',
      },
      NETWORKS_24,
    );
    expect(config.actions.gobgp).toEqual({
      enabled: true,
      api: '127.0.0.1:50051',
      blackhole: {
        next_hop_ipv4: '192.0.2.66',
        next_hop_ipv6: '2001:db8::66',
        communities: ['65001:666'],
        large_communities: [],
        subnet: { enabled: true, ipv4_length: 24, ipv6_length: 128, communities: ['65001:777'], large_communities: [] },
      },
      flowspec: { enabled: false, action: 'discard', rate_limit_bytes_per_second: 0, blackhole_too: false },
      resync_seconds: 10,
    });
    // GoBGP announces IPv6 hosts here, as FastNetMon does: no hostgroup to keep them out.
    expect(config.hostgroups).toEqual([]);
    expect(result.carried).toEqual(
      expect.arrayContaining([
        'gobgp',
        'gobgp_next_hop',
        'gobgp_announce_host',
        'gobgp_announce_whole_subnet',
        'gobgp_community_host',
        'gobgp_community_subnet',
        'gobgp_next_hop_ipv6',
        'gobgp_announce_host_ipv6',
        'gobgp_announce_whole_subnet_ipv6',
        'gobgp_community_host_ipv6',
      ]),
    );
    expect(notCarried.get('gobgp_community_subnet_ipv6')).toBe('FastNetMon 1.2.4 announces no IPv6 subnet through GoBGP, so it never uses this community');
    expect(result.yaml).toContain('ipv4_length: 24 # every IPv4 prefix of the networks list is a /24');
    expect(result.yaml).toMatch(/^ {8}- 65001:666 # gobgp_community_host$/m);
  });

  it('keeps IPv6 bans away from GoBGP when gobgp_announce_host_ipv6 is off', async () => {
    const { result, config, notCarried } = await importChanged({ gobgp: 'on' });
    expect(config.actions.gobgp.enabled).toBe(true);
    expect(config.actions.gobgp.blackhole.next_hop_ipv4).toBe('0.0.0.0');
    expect(config.actions.gobgp.blackhole.communities).toEqual(['65001:666']);
    expect(config.actions.gobgp.blackhole.subnet.enabled).toBe(false);
    expect(config.hostgroups).toEqual([{ name: 'ipv6', prefixes: ['::/0'], actions: ['script'] }]);
    expect(result.carried).toContain('gobgp_announce_host_ipv6');
    expect(notCarried.get('gobgp_next_hop_ipv6')).toBe('gobgp_announce_host_ipv6 = off');
    expect(notCarried.get('gobgp_community_host_ipv6')).toBe('gobgp_announce_host_ipv6 = off');
    expect(notCarried.get('gobgp_community_subnet')).toBe('gobgp_announce_whole_subnet = off');
    expect(result.yaml).toContain('name: ipv6 # added by the import: FastNetMon announces no IPv6 host through GoBGP');
  });

  it('needs no IPv6 hostgroup when no IPv6 host is banned, and adds it after the hostgroups carried', async () => {
    const noIpv6 = await importChanged({ gobgp: 'on', enable_ban_ipv6: 'off' });
    expect(noIpv6.config.whitelist).toContain('::/0');
    expect(noIpv6.config.hostgroups).toEqual([]);
    expect(noIpv6.result.carried).toContain('gobgp_announce_host_ipv6');
    const grouped = await importChanged({ gobgp: 'on', hostgroup: 'my_hosts:192.0.2.0/25', my_hosts_enable_ban: 'on' });
    expect(grouped.config.hostgroups.map((group) => group.name)).toEqual(['my_hosts', 'ipv6']);
    const ipv6Group = await importChanged({ gobgp: 'on', hostgroup: 'ipv6:2001:db8::/48' });
    expect(ipv6Group.config.hostgroups.map((group) => [group.name, group.prefixes])).toEqual([
      ['ipv6', ['2001:db8::/48']],
      ['ipv6_2', ['::/0']],
    ]);
    expect(ipv6Group.notes).toContain('hostgroup ipv6 holds IPv6 prefixes, and their hosts go to every action, GoBGP included');
    const noScript = await importChanged({ gobgp: 'on', notify_script_path: '' });
    expect(noScript.config.hostgroups).toEqual([{ name: 'ipv6', prefixes: ['::/0'], actions: [] }]);
    expect(noScript.result.yaml).toContain(
      'name: ipv6 # added by the import: FastNetMon announces no IPv6 host through GoBGP, and no other action is on: none runs for them\n',
    );
    expect(noScript.result.yaml).toMatch(/^ {4}actions: \[\]$/m);
  });

  it('reports what floodwatch cannot announce the way FastNetMon does', async () => {
    const { config, notCarried, notes } = await importChanged({
      gobgp: 'on',
      gobgp_announce_host: 'off',
      gobgp_announce_whole_subnet: 'on',
      gobgp_announce_host_ipv6: 'on',
      gobgp_community_host_ipv6: '65001:999',
      gobgp_announce_whole_subnet_ipv6: 'on',
      gobgp_community_subnet: '70000:1',
    });
    expect(notCarried.get('gobgp_announce_host')).toMatch(
      /^off: floodwatch announces the banned host's own route \(\/32\) whenever it announces.*it goes out besides the subnet$/,
    );
    expect(notCarried.get('gobgp_community_host_ipv6')).toMatch(
      /^floodwatch's blackhole\.communities hold for IPv4 and IPv6 host routes alike: IPv6 hosts are announced with 65001:666/,
    );
    expect(notCarried.get('gobgp_announce_whole_subnet_ipv6')).toMatch(/^FastNetMon 1\.2\.4 announces no IPv6 subnet through GoBGP/);
    expect(notCarried.get('gobgp_community_subnet')).toBe(
      "'70000:1' is not a BGP community ASN:VALUE (each 0 to 65535): FastNetMon uses 65001:666 then, and so does the import",
    );
    expect(config.actions.gobgp.blackhole.subnet.communities).toEqual(['65001:666']);
    // The test networks list mixes /8, /24 and /32: the longest below /32 is used, and said.
    expect(config.actions.gobgp.blackhole.subnet.ipv4_length).toBe(24);
    expect(notes).toContain(
      'the networks list has /8, /24, /32 prefixes: ipv4_length is 24, so a host of a shorter prefix gets a narrower subnet announced than with FastNetMon, and a host of 203.0.113.7/32 a wider one',
    );
  });

  it('carries GoBGP switched off when its next hop is not an IPv4 address, and nothing when it announces nothing', async () => {
    const bad = await importChanged({ gobgp: 'on', gobgp_next_hop: 'router1' });
    expect(bad.config.actions.gobgp.enabled).toBe(false);
    expect(bad.notCarried.get('gobgp_next_hop')).toBe("'router1' is not an IPv4 address: the gobgp action is carried switched off");
    expect(bad.config.hostgroups).toEqual([]);
    const silent = await importChanged({ gobgp: 'on', gobgp_announce_host: 'off' });
    expect(silent.config.actions.gobgp.enabled).toBe(false);
    expect(silent.notCarried.get('gobgp')).toMatch(
      /^gobgp = on, but gobgp_announce_host, gobgp_announce_whole_subnet and gobgp_announce_host_ipv6 are off or not set/,
    );
  });
});

describe('floodwatch import-fastnetmon of ExaBGP', () => {
  it('carries the pipe, next hop, communities and subnet', async () => {
    const { result, config, notCarried } = await importChanged(
      {
        exabgp: 'on',
        exabgp_community: '[65001:666 65001:777]',
        exabgp_community_subnet: '65001:667',
        exabgp_announce_whole_subnet: 'on',
      },
      NETWORKS_24,
    );
    expect(config.actions.exabgp).toEqual({
      enabled: true,
      mode: 'pipe',
      pipe: '/var/run/exabgp.cmd',
      blackhole: {
        next_hop_ipv4: '10.0.3.114',
        next_hop_ipv6: '100::1',
        communities: ['65001:666', '65001:777'],
        large_communities: [],
        subnet: { enabled: true, ipv4_length: 24, ipv6_length: 128, communities: ['65001:667'], large_communities: [] },
      },
      flowspec: { enabled: false, action: 'discard', rate_limit_bytes_per_second: 0, blackhole_too: false },
    });
    // FastNetMon announces IPv4 only through ExaBGP.
    expect(config.hostgroups).toEqual([{ name: 'ipv6', prefixes: ['::/0'], actions: ['script'] }]);
    expect(result.carried).toEqual(
      expect.arrayContaining([
        'exabgp',
        'exabgp_command_pipe',
        'exabgp_community',
        'exabgp_community_subnet',
        'exabgp_next_hop',
        'exabgp_announce_host',
        'exabgp_announce_whole_subnet',
      ]),
    );
    expect(notCarried.size).toBe(result.notCarried.length);
    expect([...notCarried.keys()].filter((key) => key.startsWith('exabgp'))).toEqual([]);
    expect(result.yaml).toContain('# exabgp_community\n');
  });

  it('takes exabgp_community_host over exabgp_community, and reports what it cannot carry', async () => {
    const { config, notCarried } = await importChanged({
      exabgp: 'on',
      exabgp_community_host: '[65001:668 no-export]',
      exabgp_flow_spec_announces: 'on',
    });
    expect(config.actions.exabgp.blackhole.communities).toEqual(['65001:668']);
    expect(notCarried.get('exabgp_community_host')).toBe("floodwatch takes communities as ASN:VALUE (each 0 to 65535): 'no-export' is not; carried: 65001:668");
    expect(notCarried.get('exabgp_community')).toBe('exabgp_community_host takes its place, and exabgp_announce_whole_subnet = off');
    expect(notCarried.get('exabgp_flow_spec_announces')).toMatch(/^FastNetMon 1\.2\.4 no longer reads it/);
    expect(config.actions.exabgp.flowspec.enabled).toBe(false);
  });

  it('leaves ExaBGP off as FastNetMon does without a pipe', async () => {
    const { config, notCarried, notes } = await importChanged({ exabgp: 'on', exabgp_command_pipe: null });
    expect(config.actions.exabgp.enabled).toBe(false);
    expect(notCarried.get('exabgp')).toBe('exabgp = on, but exabgp_command_pipe is not set: FastNetMon turns ExaBGP off then');
    expect(notes).toContain("floodwatch's ExaBGP action stays off");
  });

  it('keeps IPv6 bans away from both BGP actions when both are on', async () => {
    const { config } = await importChanged({ gobgp: 'on', exabgp: 'on' });
    expect(config.actions.gobgp.enabled).toBe(true);
    expect(config.actions.exabgp.enabled).toBe(true);
    expect(config.hostgroups).toEqual([{ name: 'ipv6', prefixes: ['::/0'], actions: ['script'] }]);
  });
});

describe('floodwatch import-fastnetmon command with mirror capture and BGP on', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'floodwatch-import-bgp-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints a configuration that loadConfig takes, and lists the rest', async () => {
    const conf = join(dir, 'fastnetmon.conf');
    const text = (await readFile(DEBIAN_CONF, 'utf8'))
      .replace('mirror_afpacket = off', 'mirror_afpacket = on')
      .replace('gobgp = off', 'gobgp = on')
      .replace('exabgp = off', 'exabgp = on');
    await writeFile(conf, text);
    const { code, stdout, stderr } = await runCommand(importFastnetmonCommand, [conf, ...LIST_FLAGS, '--verbose']);
    expect(code).toBe(0);
    const path = join(dir, 'floodwatch.yaml');
    await writeFile(path, stdout);
    const { config } = await loadConfig(path);
    expect(config.sources.mirror.map((entry) => [entry.interface, entry.engine])).toEqual([
      ['eth3', 'af_packet'],
      ['eth4', 'af_packet'],
    ]);
    expect(config.actions.gobgp.enabled).toBe(true);
    expect(config.actions.exabgp.enabled).toBe(true);
    expect(stderr).not.toMatch(/^not carried: (mirror_|gobgp|exabgp).*(yet|later)/m);
    expect(stderr).toMatch(/^not carried: poll_mode_xdp \(mirror_afxdp = off\)$/m);
    expect(stderr).not.toContain('internal error');
  });
});
