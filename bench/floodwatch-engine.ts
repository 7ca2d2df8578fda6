// The floodwatch side of a benchmark, run as its own process so that its CPU time and memory
// are its own: starts a FlowEngine with the JSON config given as argument and answers one JSON
// line per command read on standard input ("stats", "stop").
import { createInterface } from 'node:readline';
import { FlowEngine, type EngineConfig } from '../ts/engine/index.js';

const config = JSON.parse(process.argv[2] ?? '{}') as EngineConfig;
const engine = new FlowEngine(config);
const listening = engine.start();
process.stdout.write(JSON.stringify({ listening }) + '\n');

function stats() {
  const { table } = engine.snapshot(0);
  const { exporters, listeners, mirrors } = engine.sources();
  const sum = (f: (e: (typeof exporters)[number]) => number) => exporters.reduce((n, e) => n + f(e), 0);
  return {
    datagrams: sum((e) => e.datagrams),
    records: sum((e) => e.records),
    dropped: sum((e) => Object.values(e.dropped).reduce((a, b) => a + b, 0)),
    kernel_drops: listeners.reduce((n, l) => n + l.kernel_drops, 0),
    hosts: table.hosts,
    evictions: table.evictions_full + table.evictions_idle,
    mirror_packets: mirrors.reduce((n, m) => n + m.packets, 0),
    mirror_kernel_drops: mirrors.reduce((n, m) => n + m.kernel_drops, 0),
    mirror_ring_full: mirrors.reduce((n, m) => n + m.ring_full, 0),
    mirror_errors: mirrors.flatMap((m) => (m.last_error ? [`${m.name}: ${m.last_error}`] : [])),
  };
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'stats') {
    process.stdout.write(JSON.stringify(stats()) + '\n');
  } else if (line === 'stop') {
    engine.stop();
    process.stdout.write(JSON.stringify({ stopped: true }) + '\n');
    break;
  }
}
process.exit(0);
