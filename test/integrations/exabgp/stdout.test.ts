// The ExaBGP action in stdout mode: ExaBGP 4.2 runs testdata/stdout-process.ts (an ExabgpAction
// writing to its standard output) as an API process, and what it announces reaches gobgpd.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BanEvent } from '../../../ts/integrations/types.js';
import { sampleAttack } from '../support.js';
import { eventually, Exabgp, Gobgpd, type RibRoute } from '../../support/exabgp.js';
import { BanBook, exabgpConfig, ntpAttack } from './support.js';

const TSX = createRequire(import.meta.url).resolve('tsx');
const PROCESS = join(import.meta.dirname, 'testdata', 'stdout-process.ts');

const dir = mkdtempSync(join(tmpdir(), 'floodwatch-exabgp-stdout-'));
const control = join(dir, 'control.sock');
const started: { stop(): Promise<void> }[] = [];
const book = new BanBook();
let gobgpd: Gobgpd;
let exabgp: Exabgp;
let socket: Socket;
let replies: AsyncIterator<string>;

/** Hands the event to the process's action; resolves with its answer, `ok` or `error MESSAGE`. */
async function send(event: BanEvent): Promise<string> {
  socket.write(`${JSON.stringify(event)}\n`);
  const reply = await replies.next();
  return reply.done ? 'closed' : reply.value;
}

function prefixes(routes: RibRoute[]): string[] {
  return routes.map((route) => route.prefix).sort();
}

beforeAll(async () => {
  gobgpd = await Gobgpd.start(dir);
  started.push(gobgpd);
  // In force before ExaBGP starts floodwatch: start() announces it.
  book.ban('203.0.113.60');
  const config = exabgpConfig({ mode: 'stdout', flowspec: { enabled: true, blackhole_too: true } });
  exabgp = await Exabgp.start(dir, {
    peerPort: gobgpd.bgpPort,
    process: { name: 'floodwatch', run: `${process.execPath} --import ${TSX} ${PROCESS}` },
    env: {
      FLOODWATCH_TEST_EXABGP_CONFIG: JSON.stringify(config),
      FLOODWATCH_TEST_CONTROL: control,
      FLOODWATCH_TEST_ACTIVE_BANS: JSON.stringify(book.activeBans().map((ban) => ({ ban, attack: null }))),
    },
  });
  started.push(exabgp);
  await eventually('ExaBGP to peer with gobgpd', () => gobgpd.established());
  await eventually('the floodwatch process to listen', () => existsSync(control));
  socket = createConnection(control);
  replies = createInterface({ input: socket })[Symbol.asyncIterator]();
});

afterAll(async () => {
  socket?.destroy();
  for (const daemon of started.reverse()) await daemon.stop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

afterEach((context) => {
  if (context.task.result?.state !== 'fail') return;
  console.log(`--- ExaBGP's log (floodwatch's included)\n${exabgp?.log()}\n--- gobgpd's log\n${gobgpd?.log().slice(-4000)}`);
});

describe('ExaBGP action, stdout mode (floodwatch run by ExaBGP)', () => {
  it('announces the bans in force when ExaBGP starts it', async () => {
    await eventually('the route in gobgpd', async () => prefixes(await gobgpd.routes('ipv4')).includes('203.0.113.60/32'));
    expect(await gobgpd.routes('ipv4')).toEqual([{ prefix: '203.0.113.60/32', nextHop: '192.0.2.1', communities: ['65535:666'], largeCommunities: [] }]);
  });

  it('announces and withdraws routes and FlowSpec rules on its standard output', async () => {
    expect(await send(book.ban('2001:db8:1::60', sampleAttack({ ip: '2001:db8:1::60', type: 'unknown' })))).toBe('ok');
    expect(await send(book.details('2001:db8:1::60', ntpAttack('2001:db8:1::60')))).toBe('ok');
    await eventually(
      'the route and the rule in gobgpd',
      async () => prefixes(await gobgpd.routes('ipv6')).includes('2001:db8:1::60/128') && (await gobgpd.flowspec('ipv6')).length === 1,
    );
    expect(await gobgpd.flowspec('ipv6')).toEqual([{ rule: '[destination: 2001:db8:1::60/128/0][protocol: ==udp][source-port: ==123]', action: 'discard' }]);

    expect(await send(book.unban('2001:db8:1::60'))).toBe('ok');
    expect(await send(book.unban('203.0.113.60'))).toBe('ok');
    await eventually(
      'everything gone from gobgpd',
      async () => (await gobgpd.routes('ipv4')).length === 0 && (await gobgpd.routes('ipv6')).length === 0 && (await gobgpd.flowspec('ipv6')).length === 0,
    );
    // floodwatch logged to standard error, which ExaBGP passes on; nothing else reached ExaBGP as a command.
    expect(exabgp.log()).toContain('"msg":"sent to ExaBGP"');
    expect(exabgp.log()).not.toContain('not understood');
  });
});
