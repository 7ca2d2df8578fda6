// The InfluxDB push to a server that requires authentication (InfluxDB 1.x users): the right
// password writes; a wrong one is an error the log names the keys of, retried, never dropped
// as refused.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { influxdb } from '../../../ts/integrations/influxdb/index.js';
import { eventually } from '../../support/gobgpd.js';
import { InfluxServer } from '../../support/influxdb.js';
import { depsFor, metric } from './known-traffic.js';
import { sampleAttack } from '../support.js';

let server: InfluxServer;
const admin = { user: 'floodwatch', password: 'pushes-traffic' };

beforeAll(async () => {
  server = await InfluxServer.start({ admin });
  await server.createDatabase('secured');
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

const attack = sampleAttack();
const started = {
  kind: 'attack_started' as const,
  ip: attack.ip,
  direction: attack.direction,
  hostgroup: attack.hostgroup,
  attack,
  ban: null,
  at: attack.started_at,
};

it('writes with user and password, and says which keys to check when they are wrong', async () => {
  const config = { ...influxdb.defaults(), enabled: true, url: server.url, database: 'secured', user: admin.user, password: 'wrong' };
  const { deps, records } = depsFor(null);
  const refused = await influxdb.create(config, deps);
  await refused.start?.();
  try {
    await refused.run(started);
    await eventually('a refused send', () => metric(refused, 'floodwatch_influxdb_errors_total') > 0, 15_000);
    expect(records.some((r) => /answered 401.*check actions\.influxdb\.user and actions\.influxdb\.password/.test(r.msg))).toBe(true);
    expect(metric(refused, 'floodwatch_influxdb_points_dropped_total', { reason: 'rejected' })).toBe(0);
    expect(metric(refused, 'floodwatch_influxdb_queue_batches')).toBe(1);
  } finally {
    await refused.stop?.();
  }

  const accepted = await influxdb.create({ ...config, password: admin.password }, depsFor(null).deps);
  await accepted.start?.();
  try {
    await accepted.run(started);
    const rows = await eventually('the attack point', () => server.firstCompleteRow(`SELECT * FROM attacks`, 'secured'), 15_000);
    expect(rows).toMatchObject({ host: attack.ip, event: 'started', attack_id: attack.id });
  } finally {
    await accepted.stop?.();
  }
}, 60_000);
