// A second `floodwatch run` started by mistake: on the same flow ports (which SO_REUSEPORT would
// let it share in silence), on the same state directory, or on the same API port, it refuses to
// start, names the other one and the key to change, and changes nothing: no ban restored, no
// action run, no state written.
import { createSocket } from 'node:dgram';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { floodwatch } from '../support/cli.js';
import { callsFor, DaemonProcess, daemonConfig, freeUdpPort, readBans, Teardown, writeConfig, writeNotifyScript } from '../support/daemon.js';

const BANNED = '198.51.100.77';

describe('a second floodwatch', () => {
  const teardown = new Teardown();
  let dir: string;
  let first: DaemonProcess;
  let firstConfig: string;
  let firstApi: string;
  let port: number;
  /** A second daemon's state directory, holding a ban it would restore and announce. */
  let secondState: string;
  let script: { path: string; log: string };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'floodwatch-second-'));
    teardown.defer(() => rmSync(dir, { recursive: true, force: true }));
    script = writeNotifyScript(dir);
    port = await freeUdpPort();

    // The second daemon's state: one ban, made while it ran alone.
    secondState = join(dir, 'second-state');
    const alone = await DaemonProcess.start(
      writeConfig(join(dir, 'alone.yaml'), daemonConfig({ stateDir: secondState, port: await freeUdpPort(), script: script.path, banSeconds: 3600 })),
    );
    const response = await fetch(`${await alone.apiUrl()}/bans`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ip: BANNED, ttl_seconds: 3600 }),
    });
    expect(response.status).toBe(201);
    await alone.stop();

    firstConfig = writeConfig(join(dir, 'first.yaml'), daemonConfig({ stateDir: join(dir, 'first-state'), port }));
    first = await DaemonProcess.start(firstConfig);
    teardown.defer(() => first.stop());
    firstApi = await first.apiUrl();
  }, 60_000);

  afterAll(() => teardown.run());

  /** Runs the second daemon to its exit, and says what it changed in its state and actions. */
  async function runSecond(config: Record<string, unknown>) {
    const bansFile = join(secondState, 'bans.json');
    const before = { bans: readFileSync(bansFile, 'utf8'), mtime: statSync(bansFile).mtimeMs, calls: callsFor(script.log, BANNED).length };
    const result = await floodwatch(['run', '--config', writeConfig(join(dir, 'second.yaml'), config)], { timeoutMs: 30_000 });
    expect(readFileSync(bansFile, 'utf8')).toBe(before.bans);
    expect(statSync(bansFile).mtimeMs).toBe(before.mtime);
    expect(callsFor(script.log, BANNED)).toHaveLength(before.calls);
    return result;
  }

  it('on the same flow port refuses, naming the other floodwatch and sources.flow.listen', async () => {
    const { code, stderr } = await runSecond(daemonConfig({ stateDir: secondState, port, script: script.path }));
    expect(code).toBe(1);
    expect(stderr).toMatch(
      new RegExp(
        `UDP 127\\.0\\.0\\.1:${port} \\(sources\\.flow\\.listen\\[0\\]\\) is taken by another floodwatch \\(pid \\d+: [^)]*run --config ${firstConfig}\\)`,
      ),
    );
    expect(stderr).toContain('give this floodwatch other ports in sources.flow.listen');
    expect(first.running).toBe(true);
    expect(first.logged(/./).some((line) => line.level >= 50)).toBe(false);
  }, 60_000);

  it('on the same state directory refuses, naming the other floodwatch', async () => {
    const firstState = join(dir, 'first-state');
    const { code, stderr } = await floodwatch(
      ['run', '--config', writeConfig(join(dir, 'same-state.yaml'), daemonConfig({ stateDir: firstState, port: await freeUdpPort() }))],
      {
        timeoutMs: 30_000,
      },
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`${firstState} is the state directory of another floodwatch \\(pid \\d+: [^)]*run --config ${firstConfig}\\)`));
    expect(readFileSync(join(firstState, 'floodwatch.pid'), 'utf8')).not.toBe('');
  }, 60_000);

  it('on the same API port refuses, naming the other floodwatch and api.listen, without restoring its bans', async () => {
    const apiListen = new URL(firstApi).host;
    const config = { ...daemonConfig({ stateDir: secondState, port: await freeUdpPort(), script: script.path }), api: { listen: apiListen } };
    const { code, stderr } = await runSecond(config);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      new RegExp(
        `the REST API cannot listen on ${apiListen.replace(/\./g, '\\.')} .*another floodwatch \\(pid \\d+: [^)]*run --config ${firstConfig}\\) uses that port; stop it or change api\\.listen`,
      ),
    );
  }, 60_000);

  it('on a flow port another program holds refuses, naming the program and its pid', async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const taken = socket.address().port;
    try {
      const path = writeConfig(join(dir, 'taken.yaml'), daemonConfig({ stateDir: join(dir, 'taken-state'), port: taken }));
      const { code, stderr } = await floodwatch(['run', '--config', path], { timeoutMs: 30_000 });
      expect(code).toBe(1);
      expect(stderr).toContain(`UDP 127.0.0.1:${taken} (sources.flow.listen[0]) is taken by another program (pid ${process.pid}: `);
      expect(stderr).toContain('stop it, or give this floodwatch other ports in sources.flow.listen');
    } finally {
      socket.close();
    }
  }, 60_000);

  it('starts over a lock left by a floodwatch that was killed', async () => {
    const state = join(dir, 'stale-state');
    mkdirSync(state, { recursive: true });
    // A pid no process has: above the kernel's pid_max.
    writeFileSync(join(state, 'floodwatch.pid'), '4194305\n');
    const daemon = await DaemonProcess.start(writeConfig(join(dir, 'stale.yaml'), daemonConfig({ stateDir: state, port: await freeUdpPort() })));
    expect(readFileSync(join(state, 'floodwatch.pid'), 'utf8').trim()).not.toBe('4194305');
    await daemon.stop();
    expect(() => statSync(join(state, 'floodwatch.pid'))).toThrow();
    expect(readBans(state)).toEqual([]);
  }, 60_000);
});
