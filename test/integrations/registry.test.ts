// The registry is the one list of integrations: the configuration, check-config, the importer's
// keys and the dispatcher all follow it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { embeddedDefault } from '../../ts/config/defaults.js';
import { ACTION_NAMES } from '../../ts/config/schema.js';
import { ActionDispatcher } from '../../ts/integrations/dispatcher.js';
import { INTEGRATIONS } from '../../ts/integrations/registry.js';
import { isBanEvent, type Integration, type IntegrationDefinition, type IntegrationEvent } from '../../ts/integrations/types.js';
import { memoryLogger, sampleAttack, sampleBan } from './support.js';

const definitions = INTEGRATIONS as readonly IntegrationDefinition[];
const EXAMPLE = fileURLToPath(new URL('../../config/floodwatch.example.yaml', import.meta.url));

describe('integration registry', () => {
  it('names each integration once, and those names are what a hostgroup may list', () => {
    const names = definitions.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    expect([...ACTION_NAMES]).toEqual(names);
  });

  it('gives each integration its section of the embedded default and of the example configuration, switched off', () => {
    const actions = embeddedDefault().actions as Record<string, unknown>;
    const example = (parse(readFileSync(EXAMPLE, 'utf8')) as { actions: Record<string, unknown> }).actions;
    for (const definition of definitions) {
      expect(actions[definition.name], definition.name).toEqual(definition.defaults());
      expect(definition.defaults().enabled, definition.name).toBe(false);
      expect(example[definition.name], `config/floodwatch.example.yaml has actions.${definition.name}`).toEqual(definition.defaults());
    }
  });

  it("names each integration's own metrics after it", () => {
    for (const definition of definitions) {
      for (const metric of definition.metrics ?? []) expect(metric.name).toMatch(new RegExp(`^floodwatch_${definition.name}_[a-z_]+$`));
    }
  });
});

describe('events', () => {
  const attack = sampleAttack();
  const ban = sampleBan();
  const base = { ip: attack.ip, direction: attack.direction, hostgroup: attack.hostgroup, attack, at: attack.started_at };

  it('give the ban-driven integrations bans, unbans and the details of a banned attack only', () => {
    const take = (kind: IntegrationEvent['kind'], withBan: boolean) => isBanEvent({ ...base, kind, ban: withBan ? ban : null });
    expect([take('ban', true), take('unban', true), take('attack_details', true)]).toEqual([true, true, true]);
    expect([take('attack_started', false), take('attack_details', false), take('attack_ended', true)]).toEqual([false, false, false]);
    expect(isBanEvent({ ...base, kind: 'attack_details', ban: { ...ban, attack_id: 'another-attack' } })).toBe(false);
  });

  it('reach only the integrations that take them', async () => {
    const received: Record<string, string[]> = { all: [], bans: [] };
    const recorder = (name: 'all' | 'bans', accepts: (event: IntegrationEvent) => boolean): Integration => ({
      name,
      accepts,
      run: async (event) => void received[name]!.push(event.kind),
    });
    const dispatcher = new ActionDispatcher([recorder('all', () => true), recorder('bans', isBanEvent)], memoryLogger().logger);
    dispatcher.dispatch({ ...base, kind: 'attack_started', ban: null });
    dispatcher.dispatch({ ...base, kind: 'attack_details', ban: null });
    dispatcher.dispatch({ ...base, kind: 'attack_ended', ban: null });
    expect(await dispatcher.drain(5_000)).toBe(true);
    expect(received).toEqual({ all: ['attack_started', 'attack_details', 'attack_ended'], bans: [] });
    expect(dispatcher.counters().bans).toMatchObject({ successes: 0, pending: 0 });
  });
});
