// The daemon with a state directory that refuses writes (as root, which no chmod stops: the
// attacks folder replaced by a file, bans.json by a directory): a flood is banned all the same,
// the notify script runs, the failure is logged with the file and shows in /metrics; once the
// directory is repaired, the ban and the attack record are written without any new event.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../ts/config/load.js';
import { Daemon } from '../../ts/daemon/daemon.js';
import { attacksOn, daemonConfig, freeUdpPort, isBanned, Teardown, waitFor, writeConfig, writeNotifyScript } from '../support/daemon.js';
import { softflowd } from '../support/exporters.js';
import { writePcap } from '../support/pcap.js';
import { mixedTraffic } from '../support/traffic.js';

const FLOODED = '198.51.100.10';

const teardown = new Teardown();
const logLines: { level: number; msg: string; path?: string; args?: string[]; exit_code?: number }[] = [];
let dir: string;
let stateDir: string;
let daemon: Daemon;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'floodwatch-failing-state-'));
  teardown.defer(() => rmSync(dir, { recursive: true, force: true }));
  stateDir = join(dir, 'state');
  const script = writeNotifyScript(dir);
  const port = await freeUdpPort();
  const path = writeConfig(
    join(dir, 'floodwatch.yaml'),
    daemonConfig({ stateDir, port, script: script.path, thresholds: { incoming: { pps: 50 } }, banSeconds: 600 }),
  );
  const log = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
  daemon = await Daemon.start({ log, loaded: await loadConfig(path) });
  teardown.defer(() => daemon.stop());
});

afterAll(() => teardown.run());

const metric = async (name: string) => {
  const text = await (await fetch(`http://${daemon.apiAddress}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
};

describe('a state directory that refuses writes', () => {
  it('still answers GET /attacks and /metrics when the attacks folder cannot be read', async () => {
    rmSync(join(stateDir, 'attacks'), { recursive: true });
    writeFileSync(join(stateDir, 'attacks'), 'not a directory');
    try {
      const attacks = await fetch(`http://${daemon.apiAddress}/api/v1/attacks`);
      expect(attacks.status).toBe(200);
      expect(await metric('floodwatch_attacks_recorded')).toBe(0);
      expect(logLines.filter((l) => l.msg.startsWith('the attack records cannot be listed')).map((l) => l.path)).toEqual([join(stateDir, 'attacks')]);
    } finally {
      rmSync(join(stateDir, 'attacks'));
      mkdirSync(join(stateDir, 'attacks'));
    }
  });

  it('stops neither detection nor bans, says so, and saves what it held once repaired', async () => {
    rmSync(join(stateDir, 'attacks'), { recursive: true });
    writeFileSync(join(stateDir, 'attacks'), 'not a directory');
    rmSync(join(stateDir, 'bans.json'));
    mkdirSync(join(stateDir, 'bans.json', 'inside'), { recursive: true });

    const pcap = join(dir, 'traffic.pcap');
    writePcap(pcap, mixedTraffic().packets);
    await softflowd(pcap, Number(daemon.listening[0]!.split(':').pop()), 10);

    await waitFor('the ban of the flooded host', () => daemon.bans.get(FLOODED));
    // The script's own log can interleave when it runs for several hosts at once: read the daemon's.
    await waitFor('the notify script', () =>
      logLines.some((l) => l.msg === 'notify script finished' && l.args?.join(' ') === `${FLOODED} incoming ${l.args?.[2]} ban` && l.exit_code === 0),
    );
    expect(await metric('floodwatch_state_failing')).toBe(1);
    expect(await metric('floodwatch_state_write_failures_total')).toBeGreaterThan(0);
    const errors = logLines.filter((l) => l.level >= 50 && l.msg.startsWith('STATE NOT SAVED'));
    expect(errors.map((l) => l.path)).toContain(join(stateDir, 'bans.json'));
    expect(errors.map((l) => l.path)).toContain(join(stateDir, 'attacks', `${daemon.bans.get(FLOODED)!.attack_id}.json`));
    expect(readdirSync(stateDir).filter((name) => name.endsWith('.tmp'))).toEqual([]);

    rmSync(join(stateDir, 'bans.json'), { recursive: true });
    rmSync(join(stateDir, 'attacks'));
    mkdirSync(join(stateDir, 'attacks'));
    await waitFor('the ban saved after the repair', () => isBanned(stateDir, FLOODED));
    await waitFor('the attack record saved after the repair', () => attacksOn(stateDir, FLOODED).length > 0);
    expect(await metric('floodwatch_state_failing')).toBe(0);
    expect(logLines.some((l) => l.msg.startsWith('the state directory is writable again'))).toBe(true);
  });
});
