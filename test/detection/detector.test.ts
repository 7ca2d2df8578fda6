// The detector's tick against faults on one host: a count above 2^53 (a bigint from the binding)
// and a host whose handling throws must not abort the tick for the other hosts, nor lose the
// violations drained with it; the attack record stays serialisable and is saved.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AttackRecord } from '../../ts/attacks/types.js';
import { Detector, type AttackListener, type DetectionFailure, type DetectionPolicy } from '../../ts/detection/detector.js';
import { PrefixSet } from '../../ts/detection/prefix-set.js';
import { StateStore } from '../../ts/state/store.js';
import { ScriptedEngine, violation } from './scripted-engine.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const policy: DetectionPolicy = { whitelist: new PrefixSet([]), bans: () => true, detailsAfterMs: 0, detailsAfterRecords: 1, endAfterMs: 0 };

function setup(listener: (store: StateStore) => Partial<AttackListener> = () => ({})) {
  const dir = mkdtempSync(join(tmpdir(), 'floodwatch-detector-'));
  dirs.push(dir);
  const store = new StateStore(dir);
  const engine = new ScriptedEngine();
  const started: string[] = [];
  const ended: string[] = [];
  const failures: DetectionFailure[] = [];
  const overrides = listener(store);
  const detector = new Detector(
    engine,
    policy,
    {
      started: (attack, ban) => {
        store.saveAttack(attack);
        started.push(`${attack.ip} ban=${ban}`);
        overrides.started?.(attack, ban);
      },
      detailed: (attack, pcap) => overrides.detailed?.(attack, pcap),
      updated: (attack) => store.saveAttack(attack),
      ended: (attack) => {
        store.saveAttack(attack);
        ended.push(attack.ip);
      },
    },
    () => 1_700_000_000_000,
    (failure) => failures.push(failure),
  );
  return { dir, store, engine, detector, started, ended, failures };
}

describe('Detector.tick', () => {
  it('records an attack whose counts reached it as bigints above 2^53, saturated, and saves it', () => {
    const { store, engine, detector, started, failures } = setup();
    engine.pending = [violation('198.51.100.1', 2n ** 62n, 2n ** 63n), violation('198.51.100.2', 5000)];
    detector.tick();
    expect(failures).toEqual([]);
    expect(started).toEqual(['198.51.100.1 ban=true', '198.51.100.2 ban=true']);
    const [record] = store
      .attackIds()
      .map((id) => store.loadAttack(id))
      .filter((a): a is AttackRecord => a?.ip === '198.51.100.1');
    expect(record?.peak.pps).toBe(Number.MAX_SAFE_INTEGER);
    expect(record?.protocols.udp?.pps).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => JSON.stringify(detector.active())).not.toThrow();
  });

  it('saves a record that still holds a bigint', () => {
    const { dir, store } = setup();
    const record = { id: 'x-000', peak: { pps: 2n ** 62n } } as unknown as AttackRecord;
    store.saveAttack(record);
    expect(JSON.parse(readFileSync(join(dir, 'attacks', 'x-000.json'), 'utf8')).peak.pps).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('goes on with the other violations of the tick when one host fails, and counts and reports the failure', () => {
    const { engine, detector, started, failures } = setup(() => ({
      started: (attack) => {
        if (attack.ip === '198.51.100.1') throw new Error('the listener failed on this host');
      },
    }));
    engine.pending = [violation('198.51.100.1', 5000), violation('198.51.100.2', 5000), violation('198.51.100.3', 5000)];
    for (const pending of engine.pending) engine.over_.add(`incoming ${pending.ip}`);
    detector.tick();
    expect(started).toEqual(['198.51.100.1 ban=true', '198.51.100.2 ban=true', '198.51.100.3 ban=true']);
    expect(failures.map((f) => `${f.stage} ${f.ip} ${(f.error as Error).message}`)).toEqual(['violation 198.51.100.1 the listener failed on this host']);
    expect(detector.failures).toBe(1);
    expect(
      detector
        .active()
        .map((a) => a.ip)
        .sort(),
    ).toEqual(['198.51.100.1', '198.51.100.2', '198.51.100.3']);
  });

  it('follows up and ends the other attacks when one attack under way fails', () => {
    const { engine, detector, ended, failures } = setup();
    engine.pending = [violation('198.51.100.1', 5000), violation('198.51.100.2', 5000)];
    engine.over_.add('incoming 198.51.100.1').add('incoming 198.51.100.2');
    detector.tick();
    expect(ended).toEqual([]);
    engine.broken.add('198.51.100.1');
    engine.over_.clear();
    detector.tick();
    expect(ended).toEqual(['198.51.100.2']);
    expect(failures.every((f) => f.stage === 'follow-up' && f.ip === '198.51.100.1')).toBe(true);
    expect(failures.length).toBeGreaterThan(0);
    expect(detector.active().map((a) => a.ip)).toEqual(['198.51.100.1']);
  });

  it('counts a follow-up failure for every attack under way when the engine refuses the follow-up, and keeps them', () => {
    const { engine, detector, ended, failures } = setup();
    engine.pending = [violation('198.51.100.1', 5000), violation('198.51.100.2', 5000)];
    engine.followUpFails = true;
    detector.tick();
    expect(failures.map((f) => `${f.stage} ${f.ip} ${(f.error as Error).message}`)).toEqual([
      'follow-up 198.51.100.1 the engine refused the follow-up',
      'follow-up 198.51.100.2 the engine refused the follow-up',
    ]);
    engine.followUpFails = false;
    detector.tick();
    expect(ended.sort()).toEqual(['198.51.100.1', '198.51.100.2']);
  });

  it('ends every attack under way at shutdown, with the time floodwatch stopped watching, and saves it', () => {
    const { store, engine, detector, ended } = setup();
    engine.pending = [violation('198.51.100.1', 5000), violation('198.51.100.2', 5000)];
    engine.over_.add('incoming 198.51.100.1').add('incoming 198.51.100.2');
    detector.tick();
    expect(detector.endAll()).toBe(2);
    expect(ended.sort()).toEqual(['198.51.100.1', '198.51.100.2']);
    expect(detector.active()).toEqual([]);
    for (const id of store.attackIds()) expect(store.loadAttack(id)?.ended_at).toBe(new Date(1_700_000_000_000).toISOString());
    expect(detector.endAll()).toBe(0);
  });

  it('without a failure handler, handles every host and then throws the first failure', () => {
    const engine = new ScriptedEngine();
    const started: string[] = [];
    const detector = new Detector(engine, policy, {
      started: (attack) => {
        started.push(attack.ip);
        if (attack.ip === '198.51.100.1') throw new Error('boom');
      },
      detailed: () => {},
      updated: () => {},
      ended: () => {},
    });
    engine.pending = [violation('198.51.100.1', 5000), violation('198.51.100.2', 5000)];
    expect(() => detector.tick()).toThrow('boom');
    expect(started).toEqual(['198.51.100.1', '198.51.100.2']);
  });
});
