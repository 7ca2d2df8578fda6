// `floodwatch top`: the screen as pure functions of the data and the terminal's size, and the
// live view in a real terminal (tmux), against a real daemon that real NetFlow reaches.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ban } from '../../ts/attacks/types.js';
import type { DirectionCounters, TrafficTotals } from '../../ts/engine/index.js';
import { formatDuration, renderTopScreen, shareRows, truncateAddress, truncateMiddle, type HostRow, type TopData } from '../../ts/cli/top-screen.js';
import { DaemonProcess, daemonConfig, freeUdpPort, Teardown, waitFor, waitForApi, writeConfig } from '../support/daemon.js';
import { freeTcpPort } from '../support/gobgpd.js';
import { softflowd } from '../support/exporters.js';
import { writePcap, type PacketSpec } from '../support/pcap.js';

const run = promisify(execFile);

// ---------------------------------------------------------------------------------------------
// The screen

function counters(pps: number, mbps: number, flows: number): DirectionCounters {
  const rate = { pps: 0, bps: 0, packets_total: 0, bytes_total: 0 };
  return {
    pps,
    bps: mbps * 1e6,
    flows,
    packets_total: pps * 10,
    bytes_total: mbps * 1e6,
    flows_total: flows * 10,
    protocols: { tcp: rate, tcp_syn: rate, udp: rate, icmp: rate, fragments: rate },
    approximate: false,
  };
}

const idle = counters(0, 0, 0);

function host(ip: string, incoming: DirectionCounters, outgoing = idle, hostgroup = 'global'): HostRow {
  return { ip, hostgroup, incoming, outgoing, last_seen_ms: 0 };
}

const NOW = Date.parse('2024-05-01T12:00:00Z');

function ban(ip: string, minutesLeft: number, manual = false, comment: string | null = null): Ban {
  return {
    ip,
    direction: 'incoming',
    hostgroup: 'global',
    attack_id: manual ? null : '20240501T115900000-000',
    banned_at: new Date(NOW - 60_000).toISOString(),
    expires_at: new Date(NOW + minutesLeft * 60_000).toISOString(),
    manual,
    comment,
  };
}

const totals: TrafficTotals = { incoming: counters(1_234_567, 9876.54, 45_000), outgoing: counters(2000, 12.5, 300), internal: idle, other: idle };

function data(overrides: Partial<TopData> = {}): TopData {
  return {
    url: 'http://127.0.0.1:7780',
    sort: 'pps',
    totals,
    incoming: Array.from({ length: 30 }, (_, i) => host(`198.51.100.${i + 1}`, counters(50_000 - i * 1000, 400 - i, 900 - i))),
    outgoing: Array.from({ length: 30 }, (_, i) => host(`198.51.100.${i + 101}`, idle, counters(3000 - i * 10, 20, 40))),
    bans: Array.from({ length: 9 }, (_, i) => ban(`198.51.100.${200 + i}`, 30 + i)),
    fetchedAt: NOW,
    ...overrides,
  };
}

const LONG_V6 = '2001:0db8:85a3:1234:5678:8a2e:0370:7334';

describe('the top screen', () => {
  it('fits 80 columns and 24 lines, with every section and the key help', () => {
    const lines = renderTopScreen(data(), 80, 24).split('\n');
    expect(lines.length).toBeLessThanOrEqual(24);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    const screen = lines.join('\n');
    expect(screen).toMatch(/^floodwatch top {2}http:\/\/127\.0\.0\.1:7780 +\d\d:\d\d:\d\d$/m);
    expect(screen).toMatch(/^in +1\.23M +9876\.54 +45000$/m);
    expect(screen).toMatch(/^out +2000 +12\.50 +300$/m);
    expect(screen).toMatch(/^INCOMING by pps +pps +Mbit\/s +flows\/s +hostgroup$/m);
    expect(screen).toMatch(/^198\.51\.100\.1 +50000 +400\.00 +900 +global$/m);
    expect(screen).toMatch(/^OUTGOING by pps/m);
    expect(screen).toMatch(/^198\.51\.100\.101 +3000 +20\.00 +40 +global$/m);
    expect(screen).toMatch(/^BANS 9 +direction +expires in +reason$/m);
    expect(screen).toMatch(/^198\.51\.100\.200 +incoming +30m 00s +attack$/m);
    expect(screen).toMatch(/… \d more: floodwatch bans/);
    expect(lines.at(-1)).toBe('sort: p pps  b Mbit/s  f flows/s    q quit');
  });

  it('shares the lines out: as many hosts in as out, the bans after, nothing cut off', () => {
    const lines = renderTopScreen(data(), 80, 24).split('\n');
    const incoming = lines.filter((l) => /^198\.51\.100\.([1-9]|[12]\d|30) /.test(l)).length;
    const outgoing = lines.filter((l) => /^198\.51\.100\.1\d\d /.test(l)).length;
    expect(Math.abs(incoming - outgoing)).toBeLessThanOrEqual(1);
    expect(incoming).toBeGreaterThanOrEqual(4);
    expect(lines).toHaveLength(24);
  });

  it('gives the lines of an empty section to the others', () => {
    const screen = renderTopScreen(data({ bans: [], outgoing: [] }), 80, 24);
    expect(screen).toMatch(/^BANS {2}none$/m);
    expect(screen).toMatch(/^ {2}no traffic$/m);
    expect(screen.split('\n').filter((l) => l.startsWith('198.51.100.')).length).toBeGreaterThanOrEqual(10);
  });

  it('names the metric it sorts by', () => {
    expect(renderTopScreen(data({ sort: 'bps' }), 80, 24)).toMatch(/^INCOMING by Mbit\/s /m);
    expect(renderTopScreen(data({ sort: 'flows' }), 80, 24)).toMatch(/^OUTGOING by flows\/s /m);
  });

  it('cuts a long IPv6 address in its middle, keeping both ends, and keeps the columns aligned', () => {
    const v6 = host(LONG_V6, counters(7, 0.01, 1));
    const lines = renderTopScreen(data({ incoming: [host('198.51.100.1', counters(8, 0.02, 1)), v6] }), 80, 24).split('\n');
    const v4Line = lines.find((l) => l.startsWith('198.51.100.1 '))!;
    const v6Line = lines.find((l) => l.startsWith('2001:'))!;
    expect(v6Line).toMatch(/^2001:0db8:85a3:1234:…:8a2e:0370:7334 /);
    expect(v6Line.length).toBeLessThanOrEqual(80);
    // The rates start in the same column whatever the address.
    expect(v6Line.indexOf('global')).toBe(v4Line.indexOf('global'));
    expect(v6Line.search(/ 7 /)).toBe(v4Line.search(/ 8 /));
  });

  it('shows a short IPv6 address whole, and a long one whole on a wide terminal', () => {
    expect(renderTopScreen(data({ incoming: [host('2001:db8:1::20', counters(5, 0, 1))] }), 80, 24)).toMatch(/^2001:db8:1::20 +5 /m);
    expect(renderTopScreen(data({ incoming: [host(LONG_V6, counters(5, 0, 1))] }), 120, 24)).toContain(`${LONG_V6} `);
  });

  it('stays within a small terminal, the key help last', () => {
    for (const [width, height] of [
      [40, 10],
      [60, 12],
      [80, 8],
      [20, 4],
    ] as const) {
      const lines = renderTopScreen(data(), width, height).split('\n');
      expect(lines.length).toBeLessThanOrEqual(height);
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(width);
      expect(lines.at(-1)).toMatch(/^sort: p/);
    }
  });

  it('uses a tall terminal for more hosts', () => {
    const lines = renderTopScreen(data(), 100, 50).split('\n');
    expect(lines.filter((l) => l.startsWith('198.51.100.')).length).toBeGreaterThan(30);
    expect(lines.length).toBeLessThanOrEqual(50);
  });

  it('says when the last refresh failed, keeping the data it has', () => {
    const error = 'floodwatch is not running at http://127.0.0.1:7780 (start it with `floodwatch run`, or point FLOODWATCH_URL / --url at it)';
    const screen = renderTopScreen(data({ error }), 80, 24);
    expect(screen.split('\n').at(-1)).toBe('! floodwatch is not running at http://127.0.0.1:7780, retrying');
    expect(screen).toContain('198.51.100.1 ');
    expect(renderTopScreen(data({ error }), 200, 24).split('\n').at(-1)).toBe(`! ${error}, retrying`);
  });

  it('shows manual bans with their comment', () => {
    const screen = renderTopScreen(data({ bans: [ban('198.51.100.9', 90, true, 'abuse ticket 4711')] }), 80, 24);
    expect(screen).toMatch(/^198\.51\.100\.9 +incoming +1h 30m +manual: abuse ticket 4711$/m);
  });
});

describe('the formats', () => {
  it('truncates in the middle to the width asked', () => {
    expect(truncateMiddle('198.51.100.1', 20)).toBe('198.51.100.1');
    const cut = truncateMiddle('abcdefghijklmnopqrstuvwxyz', 11);
    expect(cut).toBe('abcde…vwxyz');
  });

  it('cuts an IPv6 address between its groups, keeping the first and the last', () => {
    expect(truncateAddress(LONG_V6, 39)).toBe(LONG_V6);
    expect(truncateAddress(LONG_V6, 30)).toBe('2001:0db8:85a3:…:0370:7334');
    expect(truncateAddress('2001:db8:85a3:1234:5678:8a2e:370:7334', 24)).toBe('2001:db8:85a3:…:370:7334');
    expect(truncateAddress(LONG_V6, 8)).toHaveLength(8);
    expect(truncateAddress('198.51.100.100', 10)).toBe('198.5….100');
  });

  it('writes durations as an operator reads them', () => {
    expect(formatDuration(42_000)).toBe('42s');
    expect(formatDuration(12 * 60_000 + 5000)).toBe('12m 05s');
    expect(formatDuration(3 * 3600_000 + 4 * 60_000)).toBe('3h 04m');
    expect(formatDuration(2 * 86_400_000 + 3 * 3600_000)).toBe('2d 03h');
    expect(formatDuration(-1)).toBe('expired');
  });

  it('shares rows equally and passes on what a section does not need', () => {
    expect(shareRows([20, 20, 9], 13)).toEqual([5, 4, 4]);
    expect(shareRows([1, 20, 0], 13)).toEqual([1, 12, 0]);
    expect(shareRows([2, 2, 2], 13)).toEqual([2, 2, 2]);
  });
});

// ---------------------------------------------------------------------------------------------
// The live view in a terminal

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const TOKEN = 'a-test-token-of-16+chars';
const WATCHED = '198.51.100.42';

/** One UDP flow to WATCHED lasting 50 s: the engine spreads it, so the host stays on top for that long. */
function steadyFlow(path: string): string {
  const packets: PacketSpec[] = [];
  const t0 = 1_700_000_000;
  for (let i = 0; i < 5000; i++) {
    packets.push({ src: '192.0.2.100', dst: WATCHED, protocol: 'udp', srcPort: 40000, dstPort: 53, ipLength: 500, time: t0 + i / 100 });
  }
  writePcap(path, packets);
  return path;
}

/** The command behind `floodwatch top`, run the way main.ts runs it. */
function writeTopWrapper(dir: string): string {
  const path = join(dir, 'top.mts');
  const top = pathToFileURL(join(REPO, 'ts/cli/top.ts')).href;
  writeFileSync(path, `import { topCommand } from '${top}';\nprocess.exitCode = await topCommand(process.argv.slice(2));\n`);
  return path;
}

/** A tmux server of this test's own, so that no one else's sessions are touched. */
const TMUX_SOCKET = `floodwatch-test-${process.pid}`;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', TMUX_SOCKET, ...args], { encoding: 'utf8' });
}

const hasSession = (name: string) => {
  try {
    tmux('has-session', '-t', name);
    return true;
  } catch {
    return false;
  }
};

describe('floodwatch top in a terminal', () => {
  const teardown = new Teardown();
  let dir: string;
  let url: string;
  let flowPort: number;
  let wrapper: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'floodwatch-top-'));
    teardown.defer(() => rmSync(dir, { recursive: true, force: true }));
    flowPort = await freeUdpPort();
    const apiPort = await freeTcpPort();
    url = `http://127.0.0.1:${apiPort}`;
    const config = writeConfig(join(dir, 'floodwatch.yaml'), {
      ...daemonConfig({ stateDir: join(dir, 'state'), port: flowPort, banSeconds: 600 }),
      networks: ['198.51.100.0/24'],
      api: { listen: `127.0.0.1:${apiPort}`, tokens: [TOKEN] },
    });
    const daemon = await DaemonProcess.start(config);
    teardown.defer(() => daemon.stop());
    await waitForApi(url, daemon);
    wrapper = writeTopWrapper(dir);
  }, 60_000);

  afterAll(async () => {
    await teardown.run();
    try {
      tmux('kill-server');
    } catch {
      // No session left, so no server.
    }
  });

  /** Starts top in a detached 80x24 tmux session; the shell reports its exit status and stays. */
  function startTop(name: string): void {
    const command = `cd '${REPO}' && node --import tsx '${wrapper}' --url ${url}; echo "top exited with status $?"; exec sleep 300`;
    tmux('new-session', '-d', '-x', '80', '-y', '24', '-s', name, '-e', 'LANG=C.UTF-8', 'sh', '-c', command);
    teardown.defer(() => hasSession(name) && tmux('kill-session', '-t', name));
  }

  const screen = (name: string) => tmux('capture-pane', '-p', '-t', name);
  const paneState = (name: string) => tmux('display-message', '-p', '-t', name, '#{alternate_on} #{cursor_flag}').trim();

  async function waitForScreen(name: string, what: string, test: (text: string) => boolean, timeoutMs = 20_000): Promise<string> {
    let last = '';
    try {
      return await waitFor(
        what,
        () => {
          last = screen(name);
          return test(last) ? last : undefined;
        },
        timeoutMs,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; the screen was:\n${last}`, { cause: error });
    }
  }

  it('shows a host the test sends traffic to, switches metric on a key, and gives the terminal back on q', async () => {
    const name = `fwtop-${process.pid}-q`;
    startTop(name);
    await waitForScreen(name, 'the first frame', (text) => text.includes('INCOMING by pps'));
    expect(paneState(name)).toBe('1 0'); // alternate screen, cursor hidden

    await softflowd(steadyFlow(join(dir, 'steady.pcap')), flowPort, 10);
    const shown = await waitForScreen(name, `${WATCHED} on the screen`, (text) => new RegExp(`^${WATCHED.replace(/\./g, '\\.')} +\\d+ `, 'm').test(text));
    const lines = shown.split('\n');
    expect(lines.findIndex((l) => l.startsWith(WATCHED))).toBeGreaterThan(lines.findIndex((l) => l.startsWith('INCOMING')));
    expect(lines.findIndex((l) => l.startsWith(WATCHED))).toBeLessThan(lines.findIndex((l) => l.startsWith('OUTGOING')));
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);

    tmux('send-keys', '-t', name, 'b');
    await waitForScreen(name, 'the view sorted by Mbit/s', (text) => text.includes('INCOMING by Mbit/s') && text.includes(WATCHED));
    tmux('send-keys', '-t', name, 'f');
    await waitForScreen(name, 'the view sorted by flows/s', (text) => text.includes('INCOMING by flows/s'));

    tmux('send-keys', '-t', name, 'q');
    const after = await waitForScreen(name, 'top to exit', (text) => text.includes('top exited with status'));
    expect(after).toContain('top exited with status 0');
    expect(after).not.toContain('INCOMING by');
    expect(paneState(name)).toBe('0 1'); // normal screen, cursor shown
  }, 90_000);

  it('shows a ban made while it runs', async () => {
    const name = `fwtop-${process.pid}-ban`;
    startTop(name);
    await waitForScreen(name, 'the first frame', (text) => text.includes('INCOMING by pps'));
    const response = await fetch(`${url}/api/v1/bans`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ip: '198.51.100.77', comment: 'seen in top' }),
    });
    expect(response.status).toBe(201);
    await waitForScreen(name, 'the ban on the screen', (text) => /^198\.51\.100\.77 +incoming +(9m 5\ds|10m 00s) +manual: seen in top$/m.test(text));
    tmux('send-keys', '-t', name, 'q');
    await waitForScreen(name, 'top to exit', (text) => text.includes('top exited with status 0'));
  }, 60_000);

  it('gives the terminal back on SIGINT', async () => {
    const name = `fwtop-${process.pid}-sigint`;
    startTop(name);
    await waitForScreen(name, 'the first frame', (text) => text.includes('INCOMING by pps'));
    const shell = tmux('display-message', '-p', '-t', name, '#{pane_pid}').trim();
    const node = execFileSync('pgrep', ['-P', shell, '-f', 'top.mts'], { encoding: 'utf8' }).trim();
    process.kill(Number(node), 'SIGINT');
    const after = await waitForScreen(name, 'top to exit', (text) => text.includes('top exited with status'));
    expect(after).toContain('top exited with status 0');
    expect(paneState(name)).toBe('0 1');
  }, 60_000);

  it('without a terminal prints one screen and exits', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', wrapper, '--url', url], { cwd: REPO, timeout: 30_000 });
    expect(stdout).toMatch(/^floodwatch top {2}http:\/\/127\.0\.0\.1:\d+ /);
    expect(stdout).toContain('INCOMING by pps');
    expect(stdout).not.toContain('\x1b');
    expect(stdout.trimEnd().split('\n').length).toBeLessThanOrEqual(24);
  }, 30_000);

  it('says the daemon is not running, and exits 1', async () => {
    const port = await freeTcpPort();
    const result = await run(process.execPath, ['--import', 'tsx', wrapper, '--url', `http://127.0.0.1:${port}`], { cwd: REPO }).catch((e) => e);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `floodwatch top: floodwatch is not running at http://127.0.0.1:${port} (start it with \`floodwatch run\`, or point FLOODWATCH_URL / --url at it)`,
    );
  }, 30_000);
});
