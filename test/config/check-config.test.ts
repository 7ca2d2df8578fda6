import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkConfigCommand } from '../../ts/cli/check-config.js';
import { runCommand } from './output.js';

const EXAMPLE = fileURLToPath(new URL('../../config/floodwatch.example.yaml', import.meta.url));
const testdata = (name: string) => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));

describe('floodwatch check-config', () => {
  it('says the example file is valid and summarizes it, exit 0', async () => {
    const { code, stdout, stderr } = await runCommand(checkConfigCommand, ['--config', EXAMPLE]);
    expect(code).toBe(0);
    // The embedded default listens for any exporter on every address, with bans on.
    expect(stderr).toMatch(new RegExp(`^${EXAMPLE}: warning: bans are on and sources\\.flow\\.allowed_exporters is empty.*\n$`));
    expect(stdout.split('\n')).toEqual([
      `${EXAMPLE}: configuration is valid`,
      '  networks: 2 (0.0.0.0/0, ::/0)',
      '  whitelist: none',
      '  hostgroups: none',
      '  thresholds on: incoming pps 20000, mbps 1000; outgoing pps 20000, mbps 1000',
      '  ban: on, 1900 s, kept while the attack goes on',
      '  actions on: none',
      '  listening: 0.0.0.0:2055, [::]:2055, 0.0.0.0:4739, [::]:4739, 0.0.0.0:6343, [::]:6343',
      '  api: 127.0.0.1:7780, no token (changes from this machine only), at most 256 connections, idle ones closed after 30 s',
      '',
    ]);
  });

  it('checks the embedded default without --config', async () => {
    const { code, stdout } = await runCommand(checkConfigCommand, []);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^embedded default: configuration is valid\n/);
  });

  it('summarizes hostgroups, thresholds and actions', async () => {
    const path = testdata('hostgroups.yaml');
    const { code, stdout } = await runCommand(checkConfigCommand, [`--config=${path}`]);
    expect(code).toBe(0);
    expect(stdout).toContain(`${path}: configuration is valid\n`);
    expect(stdout).toContain('  networks: 2 (192.0.2.0/24, 2001:db8::/32)\n');
    expect(stdout).toContain('  whitelist: 1 (192.0.2.53/32)\n');
    expect(stdout).toContain('  hostgroups: 2 (web, dns)\n');
    expect(stdout).toContain('  thresholds on: incoming pps 10000, tcp_syn pps 5000; outgoing none\n');
    expect(stdout).toContain('  actions on: script /bin/true\n');
  });

  it('names each BGP action with where it announces, and the mirror ports', async () => {
    const path = testdata('bgp-and-mirror.yaml');
    const { code, stdout } = await runCommand(checkConfigCommand, ['--config', path]);
    expect(code).toBe(0);
    expect(stdout).toContain(
      '  actions on: gobgp at 127.0.0.1:50051 (blackhole next hop 192.0.2.66, subnets /24, flowspec discard); exabgp through /run/exabgp/exabgp.in (blackhole next hop 192.0.2.1)\n',
    );
    expect(stdout).toContain('  mirror ports: eth1 (af_packet), eth2 (af_xdp)\n');
  });

  it('prints every problem to stderr and exits 1', async () => {
    const path = testdata('invalid.yaml');
    const { code, stdout, stderr } = await runCommand(checkConfigCommand, ['--config', path]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(9);
    expect(lines).toContain(`${path}: thresholds.incoming.ppss: unknown key (did you mean pps?)`);
    expect(lines).toContain(`${path}: networks[1]: '10.0.0.1/8' has host bits set (the network is 10.0.0.0/8)`);
    expect(lines[lines.length - 1]).toBe(`${path}: configuration is not valid (8 problems)`);
  });

  it('reports a YAML syntax error with its line and exits 1', async () => {
    const path = testdata('syntax-error.yaml');
    const { code, stderr } = await runCommand(checkConfigCommand, ['--config', path]);
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`^${path}: line 2, column 1: YAML syntax error: .*\n${path}: configuration is not valid \\(1 problem\\)\n$`));
  });

  it('reports a missing file and exits 1', async () => {
    const { code, stderr } = await runCommand(checkConfigCommand, ['--config', '/nonexistent.yaml']);
    expect(code).toBe(1);
    expect(stderr).toBe('/nonexistent.yaml: no such file (check the path)\n/nonexistent.yaml: configuration is not valid (1 problem)\n');
  });

  it('exits 2 on wrong usage and 0 on --help', async () => {
    const missing = await runCommand(checkConfigCommand, ['--config']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--config needs a value (FILE)');
    const extra = await runCommand(checkConfigCommand, ['extra']);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain("unexpected argument 'extra'");
    const help = await runCommand(checkConfigCommand, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: floodwatch check-config/);
  });
});
