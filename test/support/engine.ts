// Starts a FlowEngine on a loopback port for a test and waits for what it decodes to settle.
import { FlowEngine, type EngineConfig } from '../../ts/engine/index.js';

export function startEngine(config: EngineConfig = {}): { engine: FlowEngine; port: number } {
  const engine = new FlowEngine({ listen: ['127.0.0.1:0'], workers: 2, tick_ms: 50, ...config });
  const [address] = engine.start();
  return { engine, port: Number(address.split(':').pop()) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the engine has decoded records and their count has not moved for `quietMs`. */
export async function settle(engine: FlowEngine, quietMs = 600, deadlineMs = 20_000): Promise<number> {
  const start = Date.now();
  let last = -1;
  let stableSince = Date.now();
  while (Date.now() - start < deadlineMs) {
    const records = engine.sources().exporters.reduce((n, e) => n + e.records, 0);
    if (records !== last) {
      last = records;
      stableSince = Date.now();
    } else if (records > 0 && Date.now() - stableSince >= quietMs) {
      // One more tick so the ticker has applied the last worker report.
      await sleep(200);
      return records;
    }
    await sleep(50);
  }
  return last;
}
