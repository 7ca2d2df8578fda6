// A real ApiContext for the API tests: a FlowEngine fed NetFlow by softflowd, a Detector on it,
// a StateStore in a temp dir (with an attack recorded from a replayed capture, so with its pcap),
// a BanManager whose events reach a real notify script through the ActionDispatcher.
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { ActionDispatcher } from '../../ts/integrations/dispatcher.js';
import { ScriptAction } from '../../ts/integrations/script/script.js';
import type { IntegrationEvent } from '../../ts/integrations/types.js';
import type { ApiContext } from '../../ts/api/context.js';
import type { AttackRecord } from '../../ts/attacks/types.js';
import { BanManager } from '../../ts/bans/manager.js';
import { embeddedDefault } from '../../ts/config/defaults.js';
import type { ApiConfig } from '../../ts/config/schema.js';
import { Detector, type AttackListener, type DetectionPolicy } from '../../ts/detection/detector.js';
import { PrefixSet } from '../../ts/detection/prefix-set.js';
import { FlowEngine, openReplay, type CompiledThresholds } from '../../ts/engine/index.js';
import { StateStore } from '../../ts/state/store.js';
import { waitFor } from '../support/daemon.js';
import { settle } from '../support/engine.js';
import { softflowd } from '../support/exporters.js';
import { writePcap } from '../support/pcap.js';
import { MONITORED, mixedTraffic, type Traffic } from '../support/traffic.js';

const TESTDATA = join(dirname(fileURLToPath(import.meta.url)), 'testdata');

/** 198.51.100.0/28 (so 198.51.100.10, the UDP target of mixedTraffic) is the 'customers' hostgroup. */
export const HOSTGROUP = 'customers';
export const FLOODED = '198.51.100.10';
export const WHITELISTED = '198.51.100.30';
export const OUTSIDE = '192.0.2.50';
export const BAN_TIME_SECONDS = 1800;
export const TOKEN = 'test-token-0123456789abcdef';

const THRESHOLDS: CompiledThresholds = {
  groups: [
    { name: 'global', incoming: {}, outgoing: {} },
    { name: HOSTGROUP, incoming: { pps: 50 }, outgoing: {} },
  ],
  hostgroups: [{ prefix: '198.51.100.0/28', group: 1 }],
};

export const silentLog = pino({ level: 'silent' });

export function apiConfig(overrides: Partial<ApiConfig> = {}): ApiConfig {
  return { ...embeddedDefault().api, listen: '127.0.0.1:0', tokens: [TOKEN], mutations_per_minute: 1000, ...overrides };
}

export interface ApiFixture {
  context: ApiContext;
  engine: FlowEngine;
  store: StateStore;
  bans: BanManager;
  /** Every ban event, as handed to the actions. */
  events: IntegrationEvent[];
  /** The UDP port the engine takes NetFlow on. */
  exporterPort: number;
  /** What mixedTraffic sent, per host. */
  traffic: Traffic;
  /** Recorded from a replayed capture: it has a pcap. */
  capturedAttack: AttackRecord;
  /** Detected live on the NetFlow stream, still under way: no pcap. */
  liveAttack: AttackRecord;
  /** The notify script's calls: "IP DIRECTION PPS ACTION". */
  notifyCalls(): string[];
  close(): Promise<void>;
}

export async function startFixture(): Promise<ApiFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'floodwatch-api-'));
  const store = new StateStore(join(dir, 'state'));
  const traffic = mixedTraffic();
  const pcap = join(dir, 'traffic.pcap');
  writePcap(pcap, traffic.packets);
  const capturedAttack = recordCapturedAttack(store, pcap);

  const notify = join(dir, 'notify.sh');
  copyFileSync(join(TESTDATA, 'notify.sh'), notify);
  chmodSync(notify, 0o755);
  const dispatcher = new ActionDispatcher([new ScriptAction({ enabled: true, path: notify, format: 'json', timeout_seconds: 10 }, silentLog)], silentLog);
  const events: IntegrationEvent[] = [];
  const bans = new BanManager(store, { dispatch: (event) => (events.push(event), dispatcher.dispatch(event)) }, silentLog);

  const engine = new FlowEngine({ listen: ['127.0.0.1:0'], networks: MONITORED, workers: 1, tick_ms: 50 });
  const [listening] = engine.start();
  const exporterPort = Number(listening!.split(':').pop());
  engine.detection.setThresholds(THRESHOLDS);
  const detector = new Detector(engine.detection, detectionPolicy(), storingListener(store));
  const ticking = setInterval(() => detector.tick(), 50);

  const close = async () => {
    clearInterval(ticking);
    engine.stop();
    await dispatcher.drain(10_000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await softflowd(pcap, exporterPort, 10);
    await settle(engine);
    const liveAttack = await waitFor('the attack on the flooded host', () => detector.active().find((a) => a.ip === FLOODED));
    const networks = new PrefixSet(MONITORED);
    const whitelist = new PrefixSet([`${WHITELISTED}/32`]);
    const context: ApiContext = {
      engine,
      bans,
      store,
      groupOf: (ip) => engine.detection.groupOf(ip),
      isMonitored: (ip) => networks.contains(ip),
      isWhitelisted: (ip) => whitelist.contains(ip),
      banTimeSeconds: () => BAN_TIME_SECONDS,
      activeAttacks: () => detector.active(),
      actionCounters: () => dispatcher.counters(),
      thresholdsOf: (hostgroup) => {
        const group = THRESHOLDS.groups.find((g) => g.name === hostgroup) ?? THRESHOLDS.groups[0]!;
        return { incoming: group.incoming, outgoing: group.outgoing };
      },
      hostgroups: () => [
        { name: 'global', prefixes: [], ban: true },
        { name: HOSTGROUP, prefixes: ['198.51.100.0/28'], ban: true },
      ],
      log: silentLog,
    };
    const notifyLog = join(dir, 'notify.log');
    const notifyCalls = () => (existsSync(notifyLog) ? readFileSync(notifyLog, 'utf8').trim().split('\n') : []);
    return { context, engine, store, bans, events, exporterPort, traffic, capturedAttack, liveAttack, notifyCalls, close };
  } catch (err) {
    await close();
    throw err;
  }
}

function detectionPolicy(): DetectionPolicy {
  // Attacks stay under way for the whole test file.
  return { whitelist: new PrefixSet([`${WHITELISTED}/32`]), bans: () => false, detailsAfterMs: 200, detailsAfterRecords: 50, endAfterMs: 600_000 };
}

function storingListener(store: StateStore): AttackListener {
  return {
    started: (attack) => store.saveAttack(attack),
    detailed: (attack, pcap) => {
      if (pcap) attack.pcap = store.saveAttackPcap(attack.id, pcap);
      store.saveAttack(attack);
    },
    updated: () => {},
    ended: (attack) => store.saveAttack(attack),
  };
}

/** Replays the capture through the engine as `floodwatch replay` does, and records the attack it finds, with its packets. */
function recordCapturedAttack(store: StateStore, pcap: string): AttackRecord {
  const replay = openReplay(pcap, { networks: MONITORED, tick_ms: 50 });
  const detection = replay.detection();
  detection.setThresholds(THRESHOLDS);
  let now = 0;
  const detector = new Detector(detection, detectionPolicy(), storingListener(store), () => now);
  for (let step = replay.step(); step; step = replay.step()) {
    now = step.timeMs;
    detector.tick();
  }
  const [attack] = detector.active();
  if (!attack?.pcap) throw new Error('the replayed capture gave no attack with packets; the fixture needs one');
  attack.ended_at = new Date(now).toISOString();
  store.saveAttack(attack);
  return attack;
}
