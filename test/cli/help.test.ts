// `floodwatch help [COMMAND]`, `COMMAND --help`, --version and wrong usage, as an operator runs them.
import { describe, expect, it } from 'vitest';
import { floodwatch } from '../support/cli.js';

const COMMANDS = ['run', 'check-config', 'replay', 'import-fastnetmon', 'ban', 'unban', 'bans', 'attacks', 'attack', 'host', 'top'];

describe('floodwatch help', () => {
  it('lists every command, exit 0', async () => {
    const { code, stdout } = await floodwatch(['help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: floodwatch COMMAND/);
    for (const name of COMMANDS) expect(stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
  });

  it('tells about one command with `help COMMAND` and `COMMAND --help` alike, run and replay included', async () => {
    for (const name of COMMANDS) {
      const viaHelp = await floodwatch(['help', name]);
      const viaFlag = await floodwatch([name, '--help']);
      expect(viaHelp.code, name).toBe(0);
      expect(viaFlag.code, name).toBe(0);
      expect(viaFlag.stdout, name).toMatch(new RegExp(`^usage: floodwatch ${name}`));
      expect(viaHelp.stdout).toBe(viaFlag.stdout);
    }
    expect((await floodwatch(['run', '--help'])).stdout).toContain('--config <FILE>');
    expect((await floodwatch(['replay', '--help'])).stdout).toContain('--sampling-rate <N>');
  }, 120_000);

  it('with no command: the list on standard error, exit 2', async () => {
    const { code, stderr } = await floodwatch([]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^usage: floodwatch COMMAND/);
  });
});

describe('wrong usage', () => {
  it('names the option whose value is missing, exit 2', async () => {
    const { code, stderr } = await floodwatch(['replay', 'capture.pcap', '--config']);
    expect(code).toBe(2);
    expect(stderr.split('\n').slice(0, 3)).toEqual([
      'floodwatch replay: --config needs a value (FILE)',
      'usage: floodwatch replay FILE.pcap [--config FILE] [--sampling-rate N] [--decapsulate] [--pcap-dir DIR]',
      '(floodwatch replay --help tells more)',
    ]);
    expect((await floodwatch(['ban', '198.51.100.7', '--ttl'])).stderr).toMatch(/^floodwatch ban: --ttl needs a value \(SECONDS\)\n/);
  });

  it('an unknown command: what was given and where the list is', async () => {
    const { code, stderr } = await floodwatch(['bna']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^floodwatch: unknown command 'bna'/);
    expect(stderr).toContain('(floodwatch help lists the commands)');
  });

  it('run refuses an argument it does not take, exit 2', async () => {
    const { code, stderr } = await floodwatch(['run', 'now']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^floodwatch run: unexpected argument 'now'\nusage: floodwatch run \[--config FILE\]/);
  });
});

describe('floodwatch --version', () => {
  it("prints the version and the engine's build, exit 0", async () => {
    for (const flag of ['--version', '-v']) {
      const { code, stdout } = await floodwatch([flag]);
      expect(code).toBe(0);
      expect(stdout).toMatch(
        /^floodwatch \d+\.\d+\.\d+\nengine: \d+\.\d+\.\d+ built by rustc \d+\.\d+\.\d+ .*\((release|debug), [\w-]+\); capture: pcap files, AF_PACKET, AF_XDP\n/,
      );
      expect(stdout).toMatch(/^AF_XDP: (available in this kernel|not in this kernel)/m);
      expect(stdout).toMatch(/^node: v\d+/m);
    }
  });
});
