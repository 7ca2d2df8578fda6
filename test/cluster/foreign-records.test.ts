// The cluster's bans and attacks topics on a real broker, with messages floodwatch never writes
// beside its own: a ban taken from the topic is held, saved and announced, and an attack record
// is served by the REST API as it is, so each is checked as the state files are, and a bad one is
// ignored and logged while the good ones are kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttackLedger } from '../../ts/cluster/attacks.js';
import { BanLedger } from '../../ts/cluster/bans.js';
import { clusterSettings, type ClusterSettings } from '../../ts/cluster/config.js';
import { memoryLogger, sampleAttack, sampleBan } from '../integrations/support.js';
import { eventually } from '../support/gobgpd.js';
import { KafkaBroker } from '../support/kafka.js';

let broker: KafkaBroker;
let settings: ClusterSettings;

beforeAll(async () => {
  broker = await KafkaBroker.start();
  settings = clusterSettings({ brokers: [broker.address], name: 'detector-1' });
}, 90_000);

afterAll(() => broker?.stop());

async function write(topic: string, messages: { key: string; value: string }[]): Promise<void> {
  const producer = broker.client().producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages });
  } finally {
    await producer.disconnect();
  }
}

describe('records in the cluster topics that floodwatch does not write', () => {
  it('are ignored and logged, bans and attacks alike, and the good ones beside them are kept', async () => {
    const { logger, records } = memoryLogger();
    const bans = new BanLedger(settings, logger);
    const attacks = new AttackLedger(settings, logger);
    await Promise.all([bans.start(), attacks.start()]);
    try {
      const good = sampleBan({ ip: '198.51.100.7' });
      await write(settings.bans_topic, [
        { key: '198.51.100.8', value: 'not json' },
        { key: '198.51.100.9', value: JSON.stringify({ ban: { ip: '198.51.100.9' }, by: 'detector-2' }) },
        { key: '198.51.100.10', value: JSON.stringify({ ban: sampleBan({ ip: '198.51.100.11' }), by: 'detector-2' }) },
        { key: '198.51.100.12', value: JSON.stringify({ ban: sampleBan({ ip: '198.51.100.12', expires_at: 'soon' }), by: 'detector-2' }) },
        { key: good.ip, value: JSON.stringify({ ban: good, by: 'detector-2' }) },
      ]);
      const attack = sampleAttack({ ip: '198.51.100.7' });
      await write(settings.attacks_topic, [
        { key: 'detector-2/bad-1', value: JSON.stringify({ attack: { id: 'x' }, by: 'detector-2' }) },
        { key: 'detector-2/bad-2', value: JSON.stringify({ attack: sampleAttack({ ip: 'nowhere' }), by: 'detector-2' }) },
        { key: `detector-2/${attack.id}`, value: JSON.stringify({ attack, by: 'detector-2' }) },
      ]);

      await eventually('the good ban and attack', () => bans.entries().length > 0 && attacks.entries().length > 0, 30_000);
      expect(bans.entries()).toEqual([{ ban: good, by: 'detector-2' }]);
      expect(attacks.entries()).toEqual([{ attack, by: 'detector-2' }]);
      const ignoredBans = records.filter((r) => r.msg === 'a ban in the bans topic is not one floodwatch writes: ignored');
      expect(ignoredBans.map((r) => r.ip)).toEqual(['198.51.100.8', '198.51.100.9', '198.51.100.10', '198.51.100.12']);
      expect(ignoredBans[2]!.problems).toEqual(["ip: '198.51.100.11' is not the message's key '198.51.100.10'"]);
      const ignoredAttacks = records.filter((r) => r.msg === 'an attack record in the attacks topic is not one floodwatch writes: ignored');
      expect(ignoredAttacks.map((r) => r.key)).toEqual(['detector-2/bad-1', 'detector-2/bad-2']);
    } finally {
      await Promise.all([bans.stop(), attacks.stop()]);
    }
  }, 60_000);
});
