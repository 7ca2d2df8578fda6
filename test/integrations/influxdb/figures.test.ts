// The traffic figures both pushes send, read from a real engine holding many hosts: the pass
// over the host table runs off the JavaScript thread, and two pushes asking at once read once.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FlowEngine } from '../../../ts/engine/index.js';
import { TrafficFiguresSource } from '../../../ts/integrations/traffic-figures/figures.js';
import { sendSpray } from '../../support/netflow-spray.js';
import { waitFor } from '../../support/daemon.js';

const HOSTS = 50_000;
const NETWORK = '2001:db8:f000::/36';
let engine: FlowEngine;

beforeAll(async () => {
  engine = new FlowEngine({ listen: ['127.0.0.1:0'], workers: 1, tick_ms: 50, networks: [NETWORK], idle_timeout_ms: 600_000 });
  const [address] = engine.start();
  await sendSpray(Number(address.split(':').pop()), { prefix36: '2001:db8:f', destinations: HOSTS, rate: 20_000 });
  await waitFor(`${HOSTS} hosts in the table`, () => engine.snapshot(0).table.hosts === HOSTS, 20_000);
}, 60_000);

afterAll(() => engine?.stop());

const config = { networks: [NETWORK], hostgroups: [{ name: 'first', prefixes: ['2001:db8:f000::/48'] }] };

it('reads the table off the JavaScript thread: the event loop goes on while the pass runs', async () => {
  let turns = 0;
  let spinning = true;
  const spin = () => {
    turns++;
    if (spinning) setImmediate(spin);
  };
  setImmediate(spin);
  const figures = await new TrafficFiguresSource(engine, config).read(5);
  spinning = false;
  expect(turns).toBeGreaterThan(0);
  expect(figures.networks).toEqual([expect.objectContaining({ name: NETWORK, hosts: HOSTS })]);
  expect(figures.hostgroups.map((g) => [g.name, g.hosts])).toEqual([
    ['global', HOSTS - 65_536 > 0 ? HOSTS - 65_536 : 0],
    ['first', Math.min(HOSTS, 65_536)],
  ]);
  expect(figures.top.incoming.pps).toHaveLength(5);
});

it('gives two pushes asking at the same time one reading', async () => {
  const source = new TrafficFiguresSource(engine, config);
  const now = Date.now();
  const [a, b] = await Promise.all([source.read(5, now), source.read(3, now + 100)]);
  expect(b).toBe(a);
  expect(await source.read(10, now + 100)).not.toBe(a);
  expect(await source.read(5, now + 1000)).not.toBe(a);
});
