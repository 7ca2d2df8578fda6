// `floodwatch run`: starts the engine on the embedded default and reports what it sees.
import { FlowEngine } from '../engine/index.js';
import { DEFAULT_ENGINE_CONFIG } from '../engine/defaults.js';
import { createLogger } from '../log.js';

export async function runCommand(args: string[], version: string): Promise<number> {
  if (args.length > 0) {
    process.stderr.write(`floodwatch run: unexpected argument '${args[0]}'\n`);
    return 2;
  }
  const log = createLogger();
  log.info({ version }, 'floodwatch starting with the embedded default configuration (no config file given)');
  log.info({ networks: DEFAULT_ENGINE_CONFIG.networks }, 'monitoring every address');
  const engine = new FlowEngine(DEFAULT_ENGINE_CONFIG);
  const bound = engine.start();
  log.info({ listen: bound }, 'listening for NetFlow v5/v9, IPFIX and sFlow v5');

  const report = setInterval(() => {
    const { totals, table } = engine.snapshot(0);
    log.info(
      {
        incoming_pps: Math.round(totals.incoming.pps),
        outgoing_pps: Math.round(totals.outgoing.pps),
        incoming_mbps: +(totals.incoming.bps / 1e6).toFixed(2),
        outgoing_mbps: +(totals.outgoing.bps / 1e6).toFixed(2),
        hosts: table.hosts,
      },
      'traffic',
    );
  }, 10_000);

  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      log.info({ signal }, 'stopping');
      resolve();
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
  clearInterval(report);
  engine.stop();
  return 0;
}
