// Scenario 7 (BGP): time from a ban decision (the REST API's answer to POST /bans) to the
// blackhole route in the table of gobgpd's BGP peer, through floodwatch's GoBGP action. The
// daemons are Debian's gobgpd, two of them on loopback (the one floodwatch talks to, and its
// peer). FastNetMon 1.2.4 bans only on its own detection, so the figure is floodwatch's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freeTcpPort, Gobgpd } from '../test/support/gobgpd.js';
import { startFloodwatchDaemon } from './floodwatch-daemon.js';
import { writeNotifyScript } from './notify-script.js';

const ASN = 64512;
const TOKEN = 'bench-token-0123456789abcdef';

export interface BanToRouteFigures {
  /** Milliseconds from the API's 201 to the route at the peer, per ban. */
  runs_ms: number[];
  median_ms: number;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

export async function measureBanToRoute(networks: readonly string[], repeats: number): Promise<BanToRouteFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'floodwatch-bench-bgp-'));
  const [speakerBgp, peerBgp, speakerApi, peerApi, apiPort] = await Promise.all([
    freeTcpPort('127.0.0.1'),
    freeTcpPort('127.0.0.2'),
    freeTcpPort(),
    freeTcpPort(),
    freeTcpPort(),
  ]);
  const daemons: Gobgpd[] = [];
  let floodwatch: Awaited<ReturnType<typeof startFloodwatchDaemon>> | undefined;
  try {
    daemons.push(
      await Gobgpd.start({
        dir,
        name: 'speaker',
        address: '127.0.0.1',
        asn: ASN,
        bgpPort: speakerBgp,
        apiPort: speakerApi,
        neighbors: [{ address: '127.0.0.2', port: peerBgp, asn: ASN }],
      }),
      await Gobgpd.start({
        dir,
        name: 'peer',
        address: '127.0.0.2',
        asn: ASN,
        bgpPort: peerBgp,
        apiPort: peerApi,
        neighbors: [{ address: '127.0.0.1', port: speakerBgp, asn: ASN }],
      }),
    );
    const [, peer] = daemons;
    await eventually('the BGP session', () => peer.established('127.0.0.1'), 30_000);
    floodwatch = await startFloodwatchDaemon({
      networks,
      thresholdPps: 1e9,
      notifyScript: writeNotifyScript(dir).path,
      api: { listen: `127.0.0.1:${apiPort}`, token: TOKEN },
      gobgpApi: `127.0.0.1:${speakerApi}`,
    });
    const runs: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const ip = networks[0].replace(/\.0\/\d+$/, `.${200 + i}`);
      const response = await fetch(`http://127.0.0.1:${apiPort}/api/v1/bans`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ip }),
      });
      if (response.status !== 201) throw new Error(`the ban of ${ip} was refused: ${response.status} ${await response.text()}`);
      const banned = performance.now();
      await eventually(`${ip}/32 at the peer`, async () => (await peer.rib('ipv4'))[`${ip}/32`], 30_000, 1);
      runs.push(performance.now() - banned);
    }
    return { runs_ms: runs, median_ms: median(runs) };
  } finally {
    await floodwatch?.stop();
    await Promise.allSettled(daemons.map((d) => d.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}
