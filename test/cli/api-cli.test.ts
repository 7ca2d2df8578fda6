// `floodwatch ban`, `unban`, `bans` and `attacks` as an operator runs them: child processes
// against a real daemon (`floodwatch run`) that real NetFlow reaches, with its REST API behind a
// token. Their exit codes, their output, and their errors when the daemon is away or the token wrong.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttackRecord, Ban } from '../../ts/attacks/types.js';
import { resolveEndpoint, urlFromListen } from '../../ts/cli/client.js';
import {
  callsFor,
  DaemonProcess,
  daemonConfig,
  freeUdpPort,
  readBans,
  Teardown,
  waitFor,
  waitForApi,
  writeConfig,
  writeNotifyScript,
} from '../support/daemon.js';
import { freeTcpPort } from '../support/gobgpd.js';
import { softflowd } from '../support/exporters.js';
import { writePcap, type PacketSpec } from '../support/pcap.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const TOKEN = 'a-test-token-of-16+chars';
const NOT_RUNNING = (url: string) => `floodwatch is not running at ${url} (start it with \`floodwatch run\`, or point FLOODWATCH_URL / --url at it)`;
const BAD_TOKEN = 'the API refused the token: set FLOODWATCH_API_TOKEN or --token to one of api.tokens';

/** The one time format of the human output: local time and its offset. */
const TS = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d [+-]\\d\\d:\\d\\d';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The command line as installed: ts/cli/main.ts. */
const MAIN = join(REPO, 'ts/cli/main.ts');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** SYNs from 250 sources and 20000 source ports: 20000 one-packet flows, far over 2000 SYN/s. */
function synFlood(path: string, dst: string): string {
  const t0 = 1_700_000_000;
  const packets: PacketSpec[] = [];
  for (let i = 0; i < 20_000; i++) {
    packets.push({
      src: `203.0.113.${1 + (i % 250)}`,
      dst,
      protocol: 'tcp',
      srcPort: 1024 + i,
      dstPort: 443,
      tcpFlags: 0x02,
      ipLength: 60,
      time: t0 + i / 40_000,
    });
  }
  writePcap(path, packets);
  return path;
}

describe('the API commands against a running daemon', () => {
  const teardown = new Teardown();
  let dir: string;
  let cli: string;
  let url: string;
  let configPath: string;
  let notifyLog: string;
  let stateDir: string;
  let flowPort: number;

  /** Runs `floodwatch COMMAND ARGS` with an environment free of FLOODWATCH_* unless given. */
  function floodwatch(args: string[], env: Record<string, string> = {}): Promise<Result> {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('FLOODWATCH_')));
    return new Promise((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: REPO, env: { ...clean, ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
      });
    });
  }

  const api = (...args: string[]) => floodwatch([...args, '--url', url, '--token', TOKEN]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'floodwatch-api-cli-'));
    teardown.defer(() => rmSync(dir, { recursive: true, force: true }));
    cli = MAIN;
    flowPort = await freeUdpPort();
    const apiPort = await freeTcpPort();
    url = `http://127.0.0.1:${apiPort}`;
    stateDir = join(dir, 'state');
    const script = writeNotifyScript(dir);
    notifyLog = script.log;
    configPath = writeConfig(join(dir, 'floodwatch.yaml'), {
      ...daemonConfig({ stateDir, port: flowPort, script: script.path, banSeconds: 600 }),
      networks: ['198.51.100.0/24'],
      api: { listen: `127.0.0.1:${apiPort}`, tokens: [TOKEN] },
    });
    const daemon = await DaemonProcess.start(configPath);
    teardown.defer(() => daemon.stop());
    await waitForApi(url, daemon);
  }, 60_000);

  afterAll(() => teardown.run());

  describe('ban, bans, unban', () => {
    const IP = '198.51.100.7';

    it('bans a host for the time asked, with a comment, and the notify script hears of it', async () => {
      const before = Date.now();
      const ban = await api('ban', IP, '--ttl', '2h', '--comment', 'abuse ticket 4711');
      expect(ban.stderr).toBe('');
      expect(ban.code).toBe(0);
      expect(ban.stdout).toMatch(
        new RegExp(
          `^banned ${IP.replace(/\./g, '\\.')} \\(incoming, hostgroup global\\) until \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d [+-]\\d\\d:\\d\\d, in (2h 00m|1h 59m)\\n$`,
        ),
      );

      const saved = readBans(stateDir).find((b) => b.ip === IP)!;
      expect(saved).toMatchObject({ manual: true, comment: 'abuse ticket 4711', direction: 'incoming' });
      const ttl = (Date.parse(saved.expires_at) - before) / 1000;
      expect(ttl).toBeGreaterThan(7190);
      expect(ttl).toBeLessThanOrEqual(7210);
      await waitFor('the notify script to be called with ban', () => callsFor(notifyLog, IP, 'ban').length > 0);
    });

    it('lists the ban as a table and as JSON', async () => {
      const table = await floodwatch(['bans', '--url', url]);
      expect(table.code).toBe(0);
      const [header, ...rows] = table.stdout.trimEnd().split('\n');
      expect(header).toMatch(/^IP +DIRECTION +HOSTGROUP +BANNED AT +EXPIRES IN +BY +ATTACK +COMMENT$/);
      const row = rows.find((r) => r.startsWith(`${IP} `));
      expect(row).toMatch(/^198\.51\.100\.7 +incoming +global +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d +(2h 00m|1h 59m) +manual +- +abuse ticket 4711$/);
      // The columns line up under their headings.
      expect(row!.indexOf('manual')).toBe(header!.indexOf('BY'));

      const json = await floodwatch(['bans', '--json', '--url', url]);
      expect(json.code).toBe(0);
      const bans = JSON.parse(json.stdout) as Ban[];
      expect(bans.find((b) => b.ip === IP)).toMatchObject({ ip: IP, manual: true, comment: 'abuse ticket 4711', attack_id: null });
    });

    it('refuses a second ban of the same host, and says how to change it', async () => {
      const again = await api('ban', IP);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(
        new RegExp(`^floodwatch ban: ${IP.replace(/\./g, '\\.')} is already banned until .*\`floodwatch unban ${IP.replace(/\./g, '\\.')}\``),
      );
    });

    it('unbans it, and says so; a second unban says there is no ban', async () => {
      const unban = await api('unban', IP);
      expect(unban.stderr).toBe('');
      expect(unban.code).toBe(0);
      expect(unban.stdout).toBe(`unbanned ${IP}\n`);
      expect(readBans(stateDir).some((b) => b.ip === IP)).toBe(false);
      await waitFor('the notify script to be called with unban', () => callsFor(notifyLog, IP, 'unban').length > 0);
      const bans = await floodwatch(['bans', '--json', '--url', url]);
      expect((JSON.parse(bans.stdout) as Ban[]).some((b) => b.ip === IP)).toBe(false);

      const again = await api('unban', IP);
      expect(again.code).toBe(1);
      expect(again.stderr).toBe(`floodwatch unban: ${IP} is not banned; \`floodwatch bans\` lists the bans\n`);
    });

    it('refuses a host outside the monitored networks unless forced', async () => {
      const refused = await api('ban', '192.0.2.99');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('192.0.2.99 is outside the monitored networks');
      expect(refused.stderr).toContain('add --force to ban it anyway');

      const forced = await api('ban', '192.0.2.99', '--force', '--ttl', '60');
      expect(forced.code).toBe(0);
      expect(forced.stdout).toMatch(/^banned 192\.0\.2\.99 .* in (1m 00s|59s)\n$/);
      expect((await api('unban', '192.0.2.99')).code).toBe(0);
    });

    it('bans and unbans an IPv6 address', async () => {
      expect((await api('ban', '2001:db8::7', '--force')).code).toBe(0);
      const bans = await floodwatch(['bans', '--url', url]);
      expect(bans.stdout).toMatch(/^2001:db8::7 +incoming /m);
      expect((await api('unban', '2001:db8::7')).stdout).toBe('unbanned 2001:db8::7\n');
    });

    it('says there are no bans when there are none', async () => {
      const bans = await floodwatch(['bans', '--url', url]);
      expect(bans).toEqual({ code: 0, stdout: 'no bans\n', stderr: '' });
    });
  });

  describe('finding the API and the token', () => {
    it('takes both from the config file: api.listen and api.tokens', async () => {
      const ban = await floodwatch(['ban', '198.51.100.8', '--config', configPath]);
      expect(ban.stderr).toBe('');
      expect(ban.code).toBe(0);
      const unban = await floodwatch(['unban', '198.51.100.8', '--config', configPath]);
      expect(unban.code).toBe(0);
    });

    it('takes them from FLOODWATCH_URL and FLOODWATCH_API_TOKEN, before the config file', async () => {
      const elsewhere = writeConfig(join(dir, 'elsewhere.yaml'), { api: { listen: '127.0.0.1:9', tokens: ['not-the-token-1234567'] } });
      const env = { FLOODWATCH_URL: url, FLOODWATCH_API_TOKEN: TOKEN };
      expect((await floodwatch(['ban', '198.51.100.9', '--config', elsewhere], env)).code).toBe(0);
      expect((await floodwatch(['unban', '198.51.100.9', '--config', elsewhere], env)).code).toBe(0);
    });

    it('takes --url and --token before the environment', async () => {
      const env = { FLOODWATCH_URL: 'http://127.0.0.1:9', FLOODWATCH_API_TOKEN: 'not-the-token-1234567' };
      expect((await floodwatch(['ban', '198.51.100.10', '--url', url, '--token', TOKEN], env)).code).toBe(0);
      expect((await floodwatch(['unban', '198.51.100.10', '--url', url, '--token', TOKEN], env)).code).toBe(0);
    });

    it('turns a wildcard listen address into loopback, and defaults to 127.0.0.1:7780', async () => {
      expect(urlFromListen('0.0.0.0:7780')).toBe('http://127.0.0.1:7780');
      expect(urlFromListen('[::]:7781')).toBe('http://[::1]:7781');
      expect(urlFromListen('192.0.2.1:80')).toBe('http://192.0.2.1:80');
      expect(urlFromListen('[2001:db8::1]:7780')).toBe('http://[2001:db8::1]:7780');
      expect(await resolveEndpoint({}, {})).toEqual({ url: 'http://127.0.0.1:7780', token: undefined });
      expect(await resolveEndpoint({ url: '127.0.0.1:9999/' }, {})).toEqual({ url: 'http://127.0.0.1:9999', token: undefined });
    });
  });

  describe('errors that say what to do', () => {
    it('a wrong token: exit 1, and which token to set', async () => {
      const result = await floodwatch(['ban', '198.51.100.11', '--url', url, '--token', 'wrong-token-0123456789']);
      expect(result).toEqual({ code: 1, stdout: '', stderr: `floodwatch ban: ${BAD_TOKEN}\n` });
      const fromEnv = await floodwatch(['unban', '198.51.100.11', '--url', url], { FLOODWATCH_API_TOKEN: 'wrong-token-0123456789' });
      expect(fromEnv.stderr).toBe(`floodwatch unban: ${BAD_TOKEN}\n`);
      expect(fromEnv.code).toBe(1);
    });

    it('no token: exit 1, and that the API needs one', async () => {
      const result = await floodwatch(['ban', '198.51.100.11', '--url', url]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe('floodwatch ban: the API needs a token: set FLOODWATCH_API_TOKEN or --token to one of api.tokens\n');
      // Reading needs none.
      expect((await floodwatch(['bans', '--url', url])).code).toBe(0);
    });

    it('the daemon not running: exit 1, and how to start it or point at it', async () => {
      const port = await freeTcpPort();
      const away = `http://127.0.0.1:${port}`;
      for (const command of [['bans'], ['ban', '198.51.100.12'], ['unban', '198.51.100.12'], ['attacks']]) {
        const result = await floodwatch([...command, '--url', away]);
        expect(result).toEqual({ code: 1, stdout: '', stderr: `floodwatch ${command[0]}: ${NOT_RUNNING(away)}\n` });
      }
      const fromEnv = await floodwatch(['bans'], { FLOODWATCH_URL: away });
      expect(fromEnv.stderr).toBe(`floodwatch bans: ${NOT_RUNNING(away)}\n`);
    });

    it('wrong usage: exit 2, what is wrong and the usage line', async () => {
      const cases: [string[], string][] = [
        [['ban'], 'which host? give its IP address, e.g. floodwatch ban 198.51.100.7'],
        [['ban', '198.51.100.300'], "'198.51.100.300' is not an IP address (write e.g. 198.51.100.7 or 2001:db8::7)"],
        [['ban', '198.51.100.1', '--ttl', 'soon'], "--ttl 'soon' is not a duration: write seconds (3600) or 15m, 2h, 1d"],
        [['ban', '198.51.100.1', '--frobnicate'], "unknown option '--frobnicate'"],
        [['unban', '198.51.100.1', '198.51.100.2'], "one address at a time: unexpected '198.51.100.2'"],
        [['attacks', '--limit', '0'], "--limit '0' is not a whole number from 1 to 1000"],
        [['bans', '--url', 'ftp://example.net'], "--url 'ftp://example.net': floodwatch's API speaks http or https, not ftp"],
      ];
      for (const [args, message] of cases) {
        const result = await floodwatch(args.includes('--url') ? args : [...args, '--url', url]);
        expect(result.code, args.join(' ')).toBe(2);
        const [first, usage] = result.stderr.split('\n');
        expect(first).toBe(`floodwatch ${args[0]}: ${message}`);
        expect(usage).toMatch(new RegExp(`^usage: floodwatch ${args[0]} `));
      }
    });

    it('a config file that cannot be read: exit 1, the file and the reason', async () => {
      const result = await floodwatch(['bans', '--config', join(dir, 'missing.yaml')]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`${join(dir, 'missing.yaml')}: no such file (check the path)`);
    });

    it('--help: the usage on standard output, exit 0', async () => {
      const help = await floodwatch(['ban', '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/^usage: floodwatch ban IP \[--ttl SECONDS\] \[--comment TEXT\] \[--force\]/);
      expect(help.stdout).toContain('FLOODWATCH_API_TOKEN');
    });
  });

  describe('attacks', () => {
    const VICTIM = '198.51.100.20';
    let attack: AttackRecord;

    beforeAll(async () => {
      await softflowd(synFlood(join(dir, 'syn-flood.pcap'), VICTIM), flowPort, 10);
      const deadline = Date.now() + 30_000;
      for (;;) {
        const { attacks } = (await (await fetch(`${url}/api/v1/attacks`)).json()) as { attacks: AttackRecord[] };
        const found = attacks.find((a) => a.ip === VICTIM);
        if (found) {
          attack = found;
          break;
        }
        if (Date.now() > deadline) throw new Error(`no attack on ${VICTIM} in GET /api/v1/attacks after 30 s`);
        await sleep(250);
      }
    }, 60_000);

    it('lists the attack as a table', async () => {
      const result = await floodwatch(['attacks', '--url', url]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const [header, ...rows] = result.stdout.trimEnd().split('\n');
      expect(header).toMatch(/^ID +IP +TYPE +DIRECTION +PEAK PPS +MBIT\/S +STARTED +ENDED$/);
      const row = rows.find((r) => r.includes(` ${VICTIM} `))!;
      expect(row).toMatch(
        new RegExp(
          `^${attack.id} +198\\.51\\.100\\.20 +SYN flood +incoming +\\d+ +\\d+\\.\\d\\d +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d [+-]\\d\\d:\\d\\d +(ongoing|\\d\\d:\\d\\d:\\d\\d)$`,
        ),
      );
    });

    it('gives the attacks as JSON, newest first, at most --limit', async () => {
      const all = JSON.parse((await floodwatch(['attacks', '--json', '--url', url])).stdout) as AttackRecord[];
      expect(all.find((a) => a.ip === VICTIM)).toMatchObject({ id: attack.id, type: 'syn_flood', direction: 'incoming' });
      const started = all.map((a) => a.started_at);
      expect(started).toEqual([...started].sort().reverse());
      const one = JSON.parse((await floodwatch(['attacks', '--json', '--limit', '1', '--url', url])).stdout) as AttackRecord[];
      expect(one).toHaveLength(1);
      expect(one[0]!.id).toBe(all[0]!.id);
    });

    it('shows the ban the attack brought, as made by an attack', async () => {
      await waitFor('the ban of the SYN flood victim', () => readBans(stateDir).some((b) => b.ip === VICTIM));
      const bans = await floodwatch(['bans', '--url', url]);
      expect(bans.stdout).toMatch(new RegExp(`^198\\.51\\.100\\.20 +incoming +global +\\S+ \\S+ [+-]\\d\\d:\\d\\d +\\S+( \\S+)? +attack +${attack.id}$`, 'm'));
    });

    it('shows the times in local time with its offset, and JSON in UTC', async () => {
      const india = await floodwatch(['bans', '--url', url], { TZ: 'Asia/Kolkata' });
      expect(india.stdout).toMatch(/^198\.51\.100\.20 +incoming +global +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+05:30 /m);
      const json = JSON.parse((await floodwatch(['bans', '--json', '--url', url], { TZ: 'Asia/Kolkata' })).stdout) as Ban[];
      expect(json.find((b) => b.ip === VICTIM)!.banned_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    });

    it('floodwatch host IP: counters, hostgroup, thresholds, the ban with its attack, the recent attacks', async () => {
      const result = await floodwatch(['host', VICTIM, '--url', url]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const lines = result.stdout.split('\n');
      expect(lines[0]).toBe(`${VICTIM}  hostgroup global`);
      expect(result.stdout).toMatch(/^in +\S+ +\d+\.\d\d +\S+ +\d+ +\d+$/m);
      expect(result.stdout).toMatch(/^out +/m);
      expect(result.stdout).toContain('thresholds: incoming pps 5000, tcp_syn pps 1000; outgoing none\n');
      expect(result.stdout).toMatch(new RegExp(`^ban: incoming, since ${TS}, until ${TS} \\(in \\S+( \\S+)?\\), attack ${attack.id}$`, 'm'));
      expect(result.stdout).toMatch(new RegExp(`^${attack.id} +198\\.51\\.100\\.20 +SYN flood +incoming `, 'm'));
      const json = JSON.parse((await floodwatch(['host', VICTIM, '--json', '--url', url])).stdout) as {
        host: { hostgroup: string };
        bans: Ban[];
        attacks: AttackRecord[];
      };
      expect(json.host.hostgroup).toBe('global');
      expect(json.bans.map((b) => b.attack_id)).toEqual([attack.id]);
      expect(json.attacks.map((a) => a.id)).toContain(attack.id);
    });

    it('floodwatch host IP of a host with no counters says why, and still shows its bans and attacks', async () => {
      const result = await floodwatch(['host', '192.0.2.1', '--url', url]);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^192\.0\.2\.1\ncounters: none \(192\.0\.2\.1 is outside the monitored networks/);
      expect(result.stdout).toContain('\nban: none\n');
      expect(result.stdout).toContain('\nrecent attacks: none recorded\n');
    });

    it('floodwatch attack ID: the whole record and where its pcap is', async () => {
      const result = await floodwatch(['attack', attack.id, '--url', url]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^attack: +${attack.id}$`, 'm'));
      expect(result.stdout).toMatch(/^host: +198\.51\.100\.20 \(incoming, hostgroup global\)$/m);
      expect(result.stdout).toMatch(/^type: +SYN flood \(syn_flood\)$/m);
      expect(result.stdout).toMatch(new RegExp(`^started: +${TS}$`, 'm'));
      expect(result.stdout).toMatch(/^pcap: +none \(the source gave no packets, only flow records\)$/m);
      expect(result.stdout).toContain('Protocol breakdown');
      expect(result.stdout).toContain('Top destination ports');
      const json = JSON.parse((await floodwatch(['attack', attack.id, '--json', '--url', url])).stdout) as AttackRecord;
      expect(json).toMatchObject({ id: attack.id, ip: VICTIM, type: 'syn_flood', started_at: attack.started_at });
      const missing = await floodwatch(['attack', 'no-such-attack', '--url', url]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/^floodwatch attack: /);
    });
  });
});
