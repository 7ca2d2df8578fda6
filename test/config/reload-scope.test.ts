// What a SIGHUP takes and what it leaves for a restart.
import { describe, expect, it } from 'vitest';
import { embeddedDefault } from '../../ts/config/defaults.js';
import { settingsNeedingRestart } from '../../ts/config/reload-scope.js';

describe('settingsNeedingRestart', () => {
  it('names the listeners, not the thresholds or the actions a reload takes', () => {
    const running = embeddedDefault();
    const loaded = embeddedDefault();
    loaded.sources.flow.listen = ['127.0.0.1:9995'];
    loaded.thresholds = { incoming: { pps: 1 } };
    loaded.actions.script.enabled = true;
    expect(settingsNeedingRestart(running, loaded)).toEqual(['sources.flow.listen']);
  });

  it("names the Kafka export's engine settings, which the engine reads at start, but not its brokers", () => {
    const running = embeddedDefault();
    running.actions.kafka.enabled = true;
    const format = embeddedDefault();
    format.actions.kafka.enabled = true;
    format.actions.kafka.format = 'protobuf';
    expect(settingsNeedingRestart(running, format)).toEqual([expect.stringMatching(/^actions\.kafka \(the settings its engine part reads at start\)/)]);
    const brokers = embeddedDefault();
    brokers.actions.kafka.enabled = true;
    brokers.actions.kafka.brokers = ['192.0.2.9:9092'];
    expect(settingsNeedingRestart(running, brokers)).toEqual([]);
  });

  it('names the cluster settings, which the sensor and detector roles read at start', () => {
    const running = embeddedDefault();
    running.cluster = { brokers: ['192.0.2.1:9092'] };
    const brokers = embeddedDefault();
    brokers.cluster = { brokers: ['192.0.2.9:9092'] };
    expect(settingsNeedingRestart(running, brokers)).toEqual(['cluster.brokers']);
    const added = embeddedDefault();
    added.cluster = { brokers: ['192.0.2.1:9092'], group: 'detectors-2', tick_wait_ms: 500 };
    expect(settingsNeedingRestart(running, added)).toEqual(['cluster.group', 'cluster.tick_wait_ms']);
    expect(settingsNeedingRestart(embeddedDefault(), running)).toEqual(['cluster']);
  });
});
