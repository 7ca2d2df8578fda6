// floodwatch run with the InfluxDB and Graphite pushes: known traffic (softflowd from a generated
// pcap) is pushed to a real carbon-cache and influxd, totals, networks, hostgroups and hosts
// adding up to what was sent; a SYN flood is banned and pushed as an attack event; InfluxDB is
// down at start and killed mid-run: detection goes on, /metrics counts the drops, and pushing
// resumes by itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stream, synFlood, writeCapture } from '../../daemon/floods.js';
import { startLiveNetFlow } from '../../daemon/live.js';
import { CarbonServer } from '../../support/carbon.js';
import { callsFor, daemonConfig, DaemonProcess, freeUdpPort, Teardown, waitFor, writeConfig, writeNotifyScript } from '../../support/daemon.js';
import { softflowd } from '../../support/exporters.js';
import { eventually } from '../../support/gobgpd.js';
import { InfluxServer } from '../../support/influxdb.js';
import { writePcap } from '../../support/pcap.js';
import { mixedTraffic, summarize } from '../../support/traffic.js';
import { WEB_HOSTGROUP } from './known-traffic.js';

const FLOODED = '198.51.100.40';
const teardown = new Teardown();
let dir: string;
let daemon: DaemonProcess;
let influx: InfluxServer;
let carbon: CarbonServer;
let notifyLog: string;
let port: number;

async function metrics(): Promise<string> {
  const base = (await daemon.apiUrl()).replace(/\/api\/v1$/, '');
  return (await fetch(`${base}/metrics`)).text();
}

const metricValue = (text: string, line: RegExp) => Number(text.match(line)?.[1] ?? Number.NaN);

describe('floodwatch run with the InfluxDB and Graphite pushes', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'floodwatch-daemon-traffic-push-'));
    teardown.defer(() => rmSync(dir, { recursive: true, force: true }));
    influx = await InfluxServer.prepare();
    teardown.defer(() => influx.stop());
    carbon = await CarbonServer.start();
    teardown.defer(() => carbon.stop());

    port = await freeUdpPort();
    const script = writeNotifyScript(dir);
    notifyLog = script.log;
    const config = daemonConfig({ stateDir: join(dir, 'state'), port, banSeconds: 60, script: script.path });
    config.hostgroups = [WEB_HOSTGROUP];
    Object.assign(config.actions as Record<string, unknown>, {
      influxdb: { enabled: true, url: influx.url, database: 'floodwatch', queue_batches: 5, timeout_seconds: 1 },
      graphite: { enabled: true, host: carbon.host, port: carbon.port, prefix: 'fw' },
    });
    daemon = await DaemonProcess.start(writeConfig(join(dir, 'floodwatch.yaml'), config));
    teardown.defer(() => daemon.kill());
  }, 60_000);

  afterAll(() => teardown.run());

  it('pushes the known traffic to Graphite: totals, networks, hostgroups and hosts add up to what was sent', async () => {
    const traffic = mixedTraffic();
    const pcap = join(dir, 'known.pcap');
    writePcap(pcap, traffic.packets);
    const sent = summarize(traffic.packets);
    await softflowd(pcap, port, 10);
    const sum = (ips: string[]) => ips.reduce((n, ip) => n + (sent.incoming.get(ip)?.packets ?? 0), 0);
    const all = [...sent.incoming.keys()];
    const expectations: [string, number][] = [
      ['fw.total.incoming.packets_total', sum(all)],
      ['fw.networks.198_51_100_0_24.incoming.packets_total', sum(all.filter((ip) => !ip.includes(':')))],
      ['fw.networks.2001_db8_1___48.incoming.packets_total', sum(all.filter((ip) => ip.includes(':')))],
      ['fw.hostgroups.web.incoming.packets_total', sum(['198.51.100.20', '198.51.100.30'])],
      ['fw.hosts.198_51_100_10.incoming.packets_total', sum(['198.51.100.10'])],
      ['fw.hosts.2001_db8_1__20.incoming.packets_total', sum(['2001:db8:1::20'])],
    ];
    for (const [path, packets] of expectations) {
      await eventually(`${path} = ${packets}`, () => carbon.latest(path) === packets, 20_000);
    }
    expect(carbon.latest('fw.hosts.198_51_100_10.outgoing.packets_total')).toBe(sent.outgoing.get('198.51.100.10')!.packets);
  }, 60_000);

  it('while InfluxDB is down: detection and the ban go on, /metrics counts the failed sends and the drops', async () => {
    const live = await startLiveNetFlow(dir, port);
    teardown.defer(() => live.close());
    const capture = writeCapture(join(dir, 'syn-flood.pcap'), stream(3000, 3, synFlood(FLOODED)));
    live.replay(capture).catch(() => {});
    await waitFor('the notify script to be called for the ban', () => callsFor(notifyLog, FLOODED, 'ban').length > 0, 30_000);
    const text = await eventually(
      'InfluxDB drops in /metrics',
      async () => {
        const body = await metrics();
        return metricValue(body, /^floodwatch_influxdb_points_dropped_total\{reason="queue_full"\} (\d+)$/m) > 0 && body;
      },
      30_000,
    );
    expect(text).toMatch(/^floodwatch_influxdb_connected 0$/m);
    expect(metricValue(text, /^floodwatch_influxdb_errors_total (\d+)$/m)).toBeGreaterThan(0);
    expect(metricValue(text, /^floodwatch_influxdb_queue_batches (\d+)$/m)).toBeLessThanOrEqual(5);
    expect(text).toMatch(/^floodwatch_graphite_connected 1$/m);
    expect(daemon.logged(/^influxdb: sending failed/).length).toBeGreaterThan(0);
    // Graphite has the attack as it happened.
    await eventually('the attack in Graphite', () => carbon.latest(`fw.attacks.${FLOODED.replace(/\./g, '_')}.incoming.started`) === 1, 20_000);
  }, 60_000);

  it('pushes to InfluxDB once it is started, and again after it is killed and restarted', async () => {
    await influx.start();
    await influx.createDatabase('floodwatch');
    const backAt = Date.now();
    const pushedAfter = async (after: number) =>
      (await influx.rows(`SELECT packets_total FROM total_traffic WHERE direction = 'incoming' AND time > ${after}ms`, 'floodwatch').catch(() => [])).length;
    await eventually('InfluxDB points after its start', async () => (await pushedAfter(backAt)) > 0, 30_000);
    expect(await metrics()).toMatch(/^floodwatch_influxdb_connected 1$/m);
    const [host] = await influx.rows(`SELECT last(packets_total_incoming) AS packets FROM hosts_traffic WHERE host = '${FLOODED}'`, 'floodwatch');
    expect(host.packets).toBeGreaterThan(1000);

    await influx.kill();
    await eventually('the failed send in /metrics', async () => /^floodwatch_influxdb_connected 0$/m.test(await metrics()), 20_000);
    await influx.start();
    const restartedAt = Date.now();
    await eventually('InfluxDB points after the restart', async () => (await pushedAfter(restartedAt)) > 0, 30_000);
    expect(daemon.logged(/^influxdb: sending again/).length).toBeGreaterThanOrEqual(2);
  }, 90_000);
});
