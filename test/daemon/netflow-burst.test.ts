// A flood that reaches floodwatch in one burst of NetFlow (softflowd exporting a capture at
// once, as a router exports flows when they end): the host is detected on the burst itself,
// before it is watched, and its attack record still names the sources and ports, marked as
// estimated from sampled records.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { softflowd } from '../support/exporters.js';
import { attacksOn, callsFor, daemonConfig, DaemonProcess, freeUdpPort, Teardown, waitFor, writeConfig, writeNotifyScript } from '../support/daemon.js';
import { stream, synFlood, writeCapture } from './floods.js';

const FLOODED = '198.51.100.70';

const teardown = new Teardown();
let daemon: DaemonProcess;
let stateDir: string;
let notifyLog: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'floodwatch-netflow-burst-'));
  teardown.defer(() => rmSync(dir, { recursive: true, force: true }));
  stateDir = join(dir, 'state');
  const script = writeNotifyScript(dir);
  notifyLog = script.log;
  const port = await freeUdpPort();
  daemon = await DaemonProcess.start(writeConfig(join(dir, 'floodwatch.yaml'), daemonConfig({ stateDir, port, script: script.path })));
  teardown.defer(() => daemon.kill());
  const capture = writeCapture(join(dir, 'flood.pcap'), stream(3000, 3, synFlood(FLOODED)));
  await softflowd(capture.path, port, 9);
});

afterAll(() => teardown.run());

describe('a flood in one NetFlow burst', () => {
  it('gets an attack record with its top sources and ports, estimated from sampled records', async () => {
    const [attack] = await waitFor(`the details of the attack on ${FLOODED}`, () => {
      const attacks = attacksOn(stateDir, FLOODED);
      return attacks.length > 0 && attacks[0].top_sources.length > 0 && attacks;
    });
    expect(attack.top_estimated).toBe(true);
    expect(attack.top_sources[0].key).toMatch(/^203\.0\.113\.\d+$/);
    expect(attack.top_destination_ports[0].key).toBe('tcp/443');
    // 9000 SYNs in all: the estimate of the sources sums to about that.
    const estimated = attack.top_sources.reduce((n, s) => n + s.packets, 0);
    expect(estimated).toBeGreaterThan(0);
    const [details] = await waitFor(
      'the attack_details call',
      () => callsFor(notifyLog, FLOODED, 'attack_details').length > 0 && callsFor(notifyLog, FLOODED, 'attack_details'),
    );
    expect(details.stdin).toMatch(/Top sources \(estimated from sampled records\)/);
    expect(details.stdin).toMatch(/^ *203\.0\.113\.\d+ +\d+ +\d+$/m);
  });
});
