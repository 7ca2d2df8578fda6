// Two detectors share the hosts and announce their bans through one gobgpd (the GoBGP action),
// peered with a second gobgpd that stands for the router. The detector that banned a flooded
// host is killed (kill -9) during the ban: the survivor is given its partitions and takes the ban
// over from the bans topic, with its time, without banning the host a second time; the peer
// sees the blackhole route announced once and withdrawn once, when the ban expires on the
// survivor. Before the kill, the survivor's REST API lists the owner's ban and attack, and both
// detectors' traffic totals are the sensor's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttackRecord, Ban } from '../../ts/attacks/types.js';
import { stream, synFlood, writeCapture } from '../daemon/floods.js';
import { readBans, Teardown, waitFor } from '../support/daemon.js';
import { eventually, startSpeakerAndPeer, type Gobgpd, type RibMonitor } from '../support/gobgpd.js';
import { KafkaBroker } from '../support/kafka.js';
import { AGGREGATES_TOPIC, feed, getJson, PARTITIONS_LOG, startMember, type Member } from './support.js';

const FLOODED = '198.51.100.40';
const ROUTE = `${FLOODED}/32`;
const THRESHOLD_PPS = 2100;
const ASN = 64512;
const SPEAKER = '127.0.0.1';
const teardown = new Teardown();
let dir: string;
let detectors: Member[] = [];
let peer: Gobgpd;
let routes: RibMonitor;
let sensor: Member;

const bansOf = (member: Member) => readBans(member.stateDir).filter((ban) => ban.ip === FLOODED);
const owned = (member: Member) => member.daemon.logged(PARTITIONS_LOG).at(-1)?.partitions as number[] | undefined;
const nameOf = (member: Member) => (member === detectors[0] ? 'detector-1' : 'detector-2');

describe('a detector killed during a ban', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'floodwatch-cluster-takeover-'));
    teardown.defer(() => rmSync(dir, { recursive: true, force: true }));
    const [{ speaker, peer: router }, broker] = await Promise.all([startSpeakerAndPeer(dir, ASN), KafkaBroker.start()]);
    peer = router;
    teardown.defer(() => speaker.stop());
    teardown.defer(() => peer.stop());
    teardown.defer(() => broker.stop());
    routes = peer.monitor('ipv4');
    teardown.defer(() => routes.stop());
    await broker.createTopic(AGGREGATES_TOPIC, 2);
    const options = { thresholdPps: THRESHOLD_PPS, banSeconds: 25, gobgpApi: speaker.api };
    detectors = [
      await startMember(dir, teardown, broker, 'detector-1', 'detector', options),
      await startMember(dir, teardown, broker, 'detector-2', 'detector', options),
    ];
    await waitFor('each detector to own one partition', () => detectors.every((d) => owned(d)?.length === 1), 30_000);
    // gobgpd dials its peer 5 to 10 s after it starts.
    await eventually('the BGP session between the speaker and its peer', () => peer.established(SPEAKER), 30_000);
    sensor = await startMember(dir, teardown, broker, 'sensor-a', 'sensor', options);
    await feed(dir, teardown, sensor.port, writeCapture(join(dir, 'flood.pcap'), stream(3000, 6, synFlood(FLOODED))));
  }, 120_000);

  afterAll(() => teardown.run(), 60_000);

  it('keeps exactly one ban and one route, taken over by the survivor, and lifts both when the time is up', async () => {
    const owner = await waitFor(`the ban of ${FLOODED}`, () => detectors.find((d) => bansOf(d).length > 0), 20_000);
    const survivor = detectors.find((d) => d !== owner)!;
    const [ban] = bansOf(owner);
    expect(bansOf(survivor)).toEqual([]);
    await eventually('the blackhole route at the peer', async () => (await peer.rib('ipv4'))[ROUTE], 15_000);

    // The survivor's REST API lists the owner's ban and attack, naming the owner.
    const listed = await waitFor("the ban in the survivor's GET /bans", async () =>
      (await getJson<{ bans: (Ban & { member?: string })[] }>(survivor, '/bans')).bans.find((b) => b.ip === FLOODED),
    );
    expect(listed).toEqual({ ...ban, member: nameOf(owner) });
    const attack = await waitFor("the attack in the survivor's GET /attacks", async () =>
      (await getJson<{ attacks: (AttackRecord & { member?: string })[] }>(survivor, '/attacks')).attacks.find((a) => a.ip === FLOODED),
    );
    expect(attack).toMatchObject({ id: ban!.attack_id, member: nameOf(owner), type: 'syn_flood' });
    expect(await getJson(survivor, `/attacks/${attack.id}`)).toMatchObject({ id: attack.id, ip: FLOODED, member: nameOf(owner) });

    // Both detectors count the whole traffic's totals, as the sensor does, whichever owns the host.
    const incoming = async (member: Member) => (await getJson<{ incoming: { packets_total: number; bytes_total: number } }>(member, '/traffic')).incoming;
    await waitFor('every detector to count what the sensor counted', async () => {
      const counted = await incoming(sensor);
      const [first, second] = await Promise.all(detectors.map(incoming));
      return counted.packets_total > 0 && [first, second].every((d) => d!.packets_total === counted.packets_total && d!.bytes_total === counted.bytes_total);
    });

    await owner.daemon.kill();

    await waitFor('the survivor to own both partitions', () => owned(survivor)?.length === 2, 30_000);
    // The daemon saves the ban before it logs the takeover: wait for the log line, then read both.
    const takenOver = () => survivor.daemon.logged('ban taken over from another floodwatch', { ip: FLOODED, from: nameOf(owner) });
    await waitFor('the survivor to take the ban over', () => takenOver().length > 0, 10_000);
    expect(takenOver()).toHaveLength(1);
    expect(bansOf(survivor)).toEqual([ban]);
    // Taken over, not banned anew: one ban throughout.
    expect(survivor.daemon.logged('host banned', { ip: FLOODED })).toEqual([]);
    expect((await getJson<{ bans: (Ban & { member?: string })[] }>(survivor, '/bans')).bans.filter((b) => b.ip === FLOODED)).toEqual([
      { ...ban, member: nameOf(survivor) },
    ]);

    await waitFor('the ban to expire on the survivor', () => survivor.daemon.logged('host unbanned', { ip: FLOODED }).length > 0, 40_000);
    expect(bansOf(survivor)).toEqual([]);
    await eventually('the route withdrawn at the peer', async () => !(await peer.rib('ipv4'))[ROUTE], 15_000);
    // gobgpd kept the dead detector's route, and the survivor's announcement of the same route
    // changed nothing it had to tell its peer: one announcement, then the withdrawal at expiry.
    expect(routes.changes(ROUTE).map((change) => (change.withdrawal ? 'withdrawn' : 'announced'))).toEqual(['announced', 'withdrawn']);
  }, 120_000);
});
