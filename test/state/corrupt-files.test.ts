// Damaged state files: each is logged with the file and the entry, moved aside (never
// overwritten), and floodwatch goes on with what it can read: the good bans are restored, a ban
// whose attack record is damaged is restored without it, and GET /attacks leaves the record out.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IntegrationEvent } from '../../ts/integrations/types.js';
import { buildApi } from '../../ts/api/server.js';
import { BanManager } from '../../ts/bans/manager.js';
import { StateStore } from '../../ts/state/store.js';
import { apiConfig, silentLog, startFixture, type ApiFixture } from '../api/fixture.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const GOOD_BAN = {
  ip: '198.51.100.1',
  direction: 'incoming',
  hostgroup: 'global',
  attack_id: null,
  banned_at: '2026-01-01T00:00:00.000Z',
  expires_at: '2099-01-01T00:00:00.000Z',
  manual: false,
  comment: null,
};

function stateDir(bansJson?: string) {
  const dir = mkdtempSync(join(tmpdir(), 'floodwatch-corrupt-'));
  dirs.push(dir);
  const lines: { level: number; msg: string; path?: string; moved_to?: string; problems?: string[] }[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const store = new StateStore(dir, log);
  if (bansJson !== undefined) writeFileSync(join(dir, 'bans.json'), bansJson);
  const events: IntegrationEvent[] = [];
  const bans = new BanManager(store, { dispatch: (e) => events.push(e) }, log);
  return { dir, store, bans, events, lines };
}

const asideOf = (dir: string, name: string) => readdirSync(dir).filter((f) => f.startsWith(`${name}.corrupt-`));

describe('a damaged bans.json', () => {
  it('with "bans" not a list: moved aside untouched, logged, and not overwritten by the next save', () => {
    const text = '{"version":1,"bans":"oops"}\n';
    const { dir, bans, lines } = stateDir(text);
    expect(bans.restore().restored).toEqual([]);
    const [aside] = asideOf(dir, 'bans.json');
    expect(readFileSync(join(dir, aside!), 'utf8')).toBe(text);
    const error = lines.find((l) => l.level === 50 && l.path === join(dir, 'bans.json'));
    expect(error?.problems).toEqual([expect.stringMatching(/^bans: expected .*list|^bans: expected .*array/)]);
    expect(error?.moved_to).toBe(join(dir, aside!));
    bans.ban({ ip: '198.51.100.9', direction: 'incoming', hostgroup: 'global', attack: null, ttlSeconds: 60, manual: true, comment: null });
    expect(readFileSync(join(dir, aside!), 'utf8')).toBe(text);
  });

  it('with a null entry and one without banned_at: restores the good ones, names the bad ones, keeps the file aside', () => {
    const { banned_at: _, ...noBannedAt } = { ...GOOD_BAN, ip: '198.51.100.3' };
    const text = JSON.stringify({ version: 1, bans: [GOOD_BAN, null, noBannedAt] });
    const { dir, store, bans, events, lines } = stateDir(text);
    expect(bans.restore().restored.map((b) => b.ip)).toEqual(['198.51.100.1']);
    expect(events.map((e) => `${e.kind} ${e.ban?.ip}`)).toEqual(['ban 198.51.100.1']);
    expect(bans.list().map((b) => b.ip)).toEqual(['198.51.100.1']);
    const problems = lines.find((l) => l.level === 50 && l.path === join(dir, 'bans.json'))?.problems ?? [];
    expect(problems).toEqual([expect.stringMatching(/^bans\[1\]: expected .*\(null\)/), expect.stringMatching(/^bans\[2\]\.banned_at: missing/)]);
    expect(readFileSync(join(dir, asideOf(dir, 'bans.json')[0]!), 'utf8')).toBe(text);
    expect(store.loadBans().map((b) => b.ip)).toEqual(['198.51.100.1']);
  });

  it('that is not JSON: moved aside, and floodwatch starts', () => {
    const { dir, bans } = stateDir('{"bans": [\u0001');
    expect(bans.restore()).toEqual({ restored: [], lifted: [] });
    expect(asideOf(dir, 'bans.json')).toHaveLength(1);
  });
});

describe('a damaged attack record', () => {
  it('referenced by a ban: the ban is restored without it, and the record is moved aside', () => {
    const attackId = '20260101T000000000-000';
    const { dir, bans, events, lines } = stateDir(JSON.stringify({ version: 1, bans: [{ ...GOOD_BAN, attack_id: attackId }] }));
    writeFileSync(join(dir, 'attacks', `${attackId}.json`), '{"id": "bad\u0001control"}');
    expect(bans.restore().restored.map((b) => b.ip)).toEqual([GOOD_BAN.ip]);
    expect(events[0]).toMatchObject({ kind: 'ban', attack: null });
    expect(existsSync(join(dir, 'attacks', `${attackId}.json`))).toBe(false);
    expect(asideOf(join(dir, 'attacks'), `${attackId}.json`)).toHaveLength(1);
    expect(lines.find((l) => l.level === 50 && l.path === join(dir, 'attacks', `${attackId}.json`))?.problems).toEqual([
      expect.stringMatching(/^not JSON \(Bad control character/),
    ]);
  });
});

describe('GET /api/v1/attacks with a damaged record', () => {
  let fixture: ApiFixture;
  beforeAll(async () => {
    fixture = await startFixture();
  });
  afterAll(() => fixture?.close());

  it('answers the other attacks, and GET /attacks/{id} answers 404 for the damaged one', async () => {
    const api = await buildApi(apiConfig(), fixture.context, silentLog);
    try {
      const damaged = '20200101T000000000-000';
      writeFileSync(join(fixture.store.dir, 'attacks', `${damaged}.json`), JSON.stringify({ id: damaged, ip: '198.51.100.1' }));
      const answer = await api.inject({ method: 'GET', url: '/api/v1/attacks?limit=1000' });
      expect(answer.statusCode).toBe(200);
      const ids = answer.json().attacks.map((a: { id: string }) => a.id);
      expect(ids).toContain(fixture.capturedAttack.id);
      expect(ids).not.toContain(damaged);
      expect((await api.inject({ method: 'GET', url: `/api/v1/attacks/${damaged}` })).statusCode).toBe(404);
    } finally {
      await api.close();
    }
  });
});
