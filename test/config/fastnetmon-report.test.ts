// import-fastnetmon's report on standard error: by default under a screen, what needs the
// operator first and the rest grouped; --verbose gives every key with its reason.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importFastnetmonCommand } from '../../ts/cli/import-fastnetmon/command.js';
import { runCommand } from './output.js';

const testdata = (name: string) => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));
const DEBIAN_CONF = testdata('fastnetmon.conf');
const CUSTOM_CONF = testdata('fastnetmon-custom.conf');
const NETWORKS = testdata('networks_list');
const LIST_FLAGS = ['--networks', NETWORKS, '--whitelist', testdata('networks_whitelist')];
const SCREEN = 24;

describe('floodwatch import-fastnetmon report', () => {
  it("of Debian's fastnetmon.conf fits a screen, what needs attention first", async () => {
    const { code, stderr } = await runCommand(importFastnetmonCommand, [DEBIAN_CONF, ...LIST_FLAGS]);
    expect(code).toBe(0);
    const lines = stderr.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(SCREEN);
    expect(lines[0]).toBe('needs attention:');
    const attention = lines.slice(1, lines.indexOf('not carried (--verbose gives each key with its reason):'));
    expect(attention).toContainEqual(expect.stringMatching(/^ {2}counters\.average_window_ms: 5000 from average_calculation_time = 5/));
    expect(attention).toContainEqual(expect.stringMatching(/^ {2}actions\.script: \/usr\/local\/bin\/notify_about_attack\.sh is not an executable file/));
    expect(attention).toContain(
      `  ${NETWORKS}: line 10 skipped (not a prefix); 4 lines taken with a change (a host as /32, host bits cleared, a duplicate once)`,
    );
    // The features this file has off are counted, not listed key by key.
    expect(stderr).toMatch(/^ {2}60 keys of features that are off in this file: gobgp\* \(11\), influxdb\* \(8\), exabgp\* \(6\), /m);
    expect(stderr).toContain('  7 keys of hostgroup my_hosts (my_hosts_*), which no hostgroup line defines\n');
    expect(stderr).toMatch(/^ {2}28 keys floodwatch does without, or another way: logging\* \(4\), /m);
    expect(stderr).not.toMatch(/^not carried: gobgp_next_hop/m);
    expect(lines.at(-1)).toBe('floodwatch import-fastnetmon: 26 keys carried, 99 not carried');
  });

  it('names a setting it could not use, a feature on in FastNetMon that floodwatch lacks, and an unknown key', async () => {
    const { stderr } = await runCommand(importFastnetmonCommand, [CUSTOM_CONF, ...LIST_FLAGS]);
    const attention = stderr.slice(0, stderr.indexOf('not carried (--verbose'));
    expect(attention).toContain('  not carried: threshold_icmp_pps (ban_for_icmp_pps = on but threshold_icmp_pps is 0');
    expect(attention).not.toContain('redis_enabled'); // carried: actions.redis
    expect(stderr).toContain("  1 key FastNetMon 1.2.4 does not have (a typo, or a newer version's?): some_future_option\n");
  });

  it('with --verbose lists every key not carried with its reason', async () => {
    const summary = await runCommand(importFastnetmonCommand, [DEBIAN_CONF, ...LIST_FLAGS]);
    const verbose = await runCommand(importFastnetmonCommand, [DEBIAN_CONF, ...LIST_FLAGS, '--verbose']);
    expect(verbose.stdout).toBe(summary.stdout);
    expect(verbose.stderr.match(/^not carried: /gm)).toHaveLength(99);
    expect(verbose.stderr).toContain('not carried: gobgp_next_hop (gobgp = off)\n');
  });
});
