// Shared by the cluster tests: a floodwatch run --role member on the test's broker, a SYN flood
// fed live to a sensor through softflowd, and /metrics.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Capture } from '../daemon/floods.js';
import { startLiveNetFlow } from '../daemon/live.js';
import { daemonConfig, DaemonProcess, freeUdpPort, type Teardown, writeConfig } from '../support/daemon.js';
import type { KafkaBroker } from '../support/kafka.js';

export const AGGREGATES_TOPIC = 'aggregates';
export const PARTITIONS_LOG = 'detecting for the hosts of these partitions of the aggregates topic';
export const PUBLISHING_LOG = 'publishing per-host aggregates every tick';

export interface Member {
  daemon: DaemonProcess;
  port: number;
  stateDir: string;
}

export async function startMember(
  dir: string,
  teardown: Teardown,
  broker: KafkaBroker,
  name: string,
  role: 'sensor' | 'detector',
  options: { thresholdPps: number; banSeconds: number; /** gobgpd's API, for the GoBGP action. */ gobgpApi?: string },
): Promise<Member> {
  const port = await freeUdpPort();
  const stateDir = join(dir, `${name}-state`);
  const config = daemonConfig({ stateDir, port, banSeconds: options.banSeconds, thresholds: { incoming: { pps: options.thresholdPps } } });
  // Smoothed over 3 s, a flow export once a second reads as the steady rate it carries.
  config.counters = { average_window_ms: 3000 };
  if (options.gobgpApi) (config.actions as Record<string, unknown>).gobgp = { enabled: true, api: options.gobgpApi, resync_seconds: 1 };
  config.cluster = { brokers: [broker.address], aggregates_topic: AGGREGATES_TOPIC, group: 'detectors', name, tick_wait_ms: 3000, silent_after_seconds: 3 };
  const daemon = await DaemonProcess.start(writeConfig(join(dir, `${name}.yaml`), config), {}, ['--role', role]);
  teardown.defer(() => daemon.kill());
  if (role === 'sensor') await daemon.waitForLog('the sensor to publish', (l) => l.msg === PUBLISHING_LOG, 30_000);
  return { daemon, port, stateDir };
}

/** softflowd on a veth of its own exporting to `port`, sending `capture` through it; resolves when sent. */
export async function feed(dir: string, teardown: Teardown, port: number, capture: Capture): Promise<void> {
  const liveDir = join(dir, `live-${port}`);
  mkdirSync(liveDir);
  const live = await startLiveNetFlow(liveDir, port);
  teardown.defer(() => live.close());
  await live.replay(capture);
}

/** GET `path` of the member's REST API, as JSON. */
export async function getJson<T>(member: Member, path: string): Promise<T> {
  return (await fetch(`${await member.daemon.apiUrl()}${path}`)).json() as Promise<T>;
}

export async function metrics(daemon: DaemonProcess): Promise<string> {
  const base = (await daemon.apiUrl()).replace(/\/api\/v1$/, '');
  return (await fetch(`${base}/metrics`)).text();
}
