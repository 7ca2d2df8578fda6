// Run by ExaBGP as an API process, as floodwatch is in stdout mode:
//   process floodwatch { run /usr/bin/node --import TSX stdout-process.ts; encoder text; }
// An ExabgpAction in stdout mode; the test hands it events as JSON lines on a Unix socket
// (FLOODWATCH_TEST_CONTROL) and reads back `ok` or `error MESSAGE`. The bans in force when it
// starts come from FLOODWATCH_TEST_ACTIVE_BANS. Its log goes to standard error (ExaBGP's log):
// standard output is ExaBGP's.
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import pino from 'pino';
import type { AttackRecord, Ban } from '../../../../ts/attacks/types.js';
import type { BanEvent } from '../../../../ts/integrations/types.js';
import { ExabgpAction } from '../../../../ts/integrations/exabgp/action.js';

const config = JSON.parse(process.env.FLOODWATCH_TEST_EXABGP_CONFIG!);
const bans = new Map<string, { ban: Ban; attack: AttackRecord | null }>();
for (const entry of JSON.parse(process.env.FLOODWATCH_TEST_ACTIVE_BANS ?? '[]') as { ban: Ban; attack: AttackRecord | null }[]) {
  bans.set(entry.ban.ip, entry);
}

const log = pino({ level: 'info', base: { process: 'floodwatch-test' } }, pino.destination(2));
const action = new ExabgpAction(config, {
  log,
  activeBans: () => [...bans.values()].map((entry) => entry.ban),
  attackOf: (ban) => bans.get(ban.ip)?.attack ?? null,
  flowspecFor: () => true,
});
await action.start();
// ExaBGP gone (even killed): nothing left to do.
process.stdin.on('end', () => process.exit(0));

createServer((socket) => {
  createInterface({ input: socket }).on('line', (line) => {
    const event = JSON.parse(line) as BanEvent;
    if (event.kind === 'unban') bans.delete(event.ban.ip);
    else bans.set(event.ban.ip, { ban: event.ban, attack: event.attack });
    action.run(event).then(
      () => socket.write('ok\n'),
      (err: Error) => socket.write(`error ${err.message}\n`),
    );
  });
}).listen(process.env.FLOODWATCH_TEST_CONTROL!);
