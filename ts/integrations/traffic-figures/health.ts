// The engine's own health, as the pushes send it: what each source decoded, what was dropped
// and why, and the host table.
import type { Snapshot } from '../../engine/index.js';

export interface SourceHealth {
  /** An exporter (address:port), `other` for those not listed, or a mirror source. */
  name: string;
  kind: 'exporter' | 'mirror';
  /** Flow records decoded (exporters) or packets captured (mirrors). */
  records: number;
  datagrams: number;
}

export interface EngineHealth {
  hosts: number;
  evictions_idle: number;
  evictions_full: number;
  sources: SourceHealth[];
  /** Datagrams, records and frames dropped, by reason, over every source. */
  drops: Record<string, number>;
  /** Packets the kernel dropped before floodwatch read them (listeners and mirrors). */
  kernel_drops: number;
}

export function engineHealth(snapshot: Snapshot): EngineHealth {
  const { table, sources } = snapshot;
  const drops: Record<string, number> = {};
  const add = (reason: string, count: number) => {
    if (count > 0 || reason in drops) drops[reason] = (drops[reason] ?? 0) + count;
  };
  for (const exporter of sources.exporters) for (const [reason, count] of Object.entries(exporter.dropped)) add(reason, count);
  for (const mirror of sources.mirrors) {
    add('mirror_ring_full', mirror.ring_full);
    add('mirror_unparsed', mirror.unparsed);
  }
  const kernel = sources.listeners.reduce((n, listener) => n + listener.kernel_drops, 0) + sources.mirrors.reduce((n, mirror) => n + mirror.kernel_drops, 0);
  return {
    hosts: table.hosts,
    evictions_idle: table.evictions_idle,
    evictions_full: table.evictions_full,
    sources: [
      ...sources.exporters.map((e): SourceHealth => ({ name: e.exporter, kind: 'exporter', records: e.records, datagrams: e.datagrams })),
      ...sources.mirrors.map((m): SourceHealth => ({ name: m.name, kind: 'mirror', records: m.packets, datagrams: m.packets })),
    ],
    drops,
    kernel_drops: kernel,
  };
}
