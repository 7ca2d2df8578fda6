// The events the integrations had not delivered at shutdown: saved, read back once, and a damaged
// file moved aside with its good entries still sent.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { banEvent } from '../../ts/integrations/types.js';
import { StateStore } from '../../ts/state/store.js';
import { memoryLogger, sampleAttack, sampleBan } from '../integrations/support.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function store() {
  const dir = mkdtempSync(join(tmpdir(), 'floodwatch-undelivered-'));
  dirs.push(dir);
  const { logger, records } = memoryLogger();
  return { dir, records, store: new StateStore(dir, logger) };
}

describe('undelivered events in the state directory', () => {
  it('are read back whole, once', () => {
    const { dir, store: state } = store();
    const events = [
      { integration: 'email', event: banEvent('unban', sampleBan(), sampleAttack()) },
      { integration: 'redis', event: { ...banEvent('attack_details', sampleBan(), sampleAttack()), kind: 'attack_ended' as const, ban: null } },
    ];
    state.saveUndelivered(events);
    expect(state.takeUndelivered()).toEqual(events);
    expect(existsSync(join(dir, 'undelivered-events.json'))).toBe(false);
    expect(state.takeUndelivered()).toEqual([]);
  });

  it('keep their good entries when some are damaged, and the file is moved aside with the reasons logged', () => {
    const { dir, records, store: state } = store();
    const good = { integration: 'email', event: banEvent('unban', sampleBan(), null) };
    const bad = { integration: 'email', event: { ...good.event, kind: 'explode', ip: 'not-an-address' } };
    writeFileSync(join(dir, 'undelivered-events.json'), JSON.stringify({ version: 1, events: [good, bad] }));
    expect(state.takeUndelivered()).toEqual([good]);
    expect(readdirSync(dir).filter((name) => name.startsWith('undelivered-events.json.corrupt-'))).toHaveLength(1);
    const logged = records.find((record) => /state file damaged/.test(record.msg));
    expect(logged?.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^events\[1\]\.event\.kind/)]));
  });
});
