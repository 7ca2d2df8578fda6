// What the page has seen since it opened, for its charts: the totals of every frame and the
// speeds of the hosts the frames named (top talkers and hosts under attack), 10 minutes at most.
import type { Direction, LiveFrame, Metric } from './types.js';

export const HISTORY_SECONDS = 600;
export const PROTOCOLS = ['tcp', 'tcp_syn', 'udp', 'icmp', 'fragments'] as const;

export interface HostPoint {
  at: number;
  incoming: { pps: number; bps: number };
  outgoing: { pps: number; bps: number };
}

export class History {
  readonly times: number[] = [];
  /** By direction, then metric ('pps', 'bps', 'flows', or PROTOCOL_pps / PROTOCOL_bps). */
  readonly totals: Record<Direction, Record<string, number[]>> = { incoming: {}, outgoing: {} };
  readonly hosts = new Map<string, HostPoint[]>();

  add(frame: LiveFrame): void {
    this.times.push(frame.at);
    for (const direction of ['incoming', 'outgoing'] as const) {
      const rates = frame.totals[direction];
      const columns = this.totals[direction];
      const put = (key: string, value: number) => (columns[key] ??= new Array(this.times.length - 1).fill(null)).push(value);
      put('pps', rates.pps);
      put('bps', rates.bps);
      put('flows', rates.flows);
      for (const protocol of PROTOCOLS) {
        put(`${protocol}_pps`, rates.protocols[protocol].pps);
        put(`${protocol}_bps`, rates.protocols[protocol].bps);
      }
    }
    this.#addHosts(frame);
    if (this.times.length > HISTORY_SECONDS) {
      this.times.shift();
      for (const direction of ['incoming', 'outgoing'] as const) for (const column of Object.values(this.totals[direction])) column.shift();
    }
    const oldest = frame.at - HISTORY_SECONDS * 1000;
    for (const [ip, points] of this.hosts) {
      while (points.length > 0 && points[0]!.at < oldest) points.shift();
      if (points.length === 0) this.hosts.delete(ip);
    }
  }

  /** One series of the totals: `metric` is pps, bps or flows, `protocol` a class or 'total'. */
  series(direction: Direction, metric: Metric, protocol: string): (number | null)[] {
    const key = protocol === 'total' ? metric : metric === 'flows' ? '' : `${protocol}_${metric}`;
    return this.totals[direction][key] ?? this.times.map(() => null);
  }

  #addHosts(frame: LiveFrame): void {
    const seen = new Map<string, HostPoint>();
    const point = (ip: string) => {
      let p = seen.get(ip);
      if (!p) seen.set(ip, (p = { at: frame.at, incoming: { pps: 0, bps: 0 }, outgoing: { pps: 0, bps: 0 } }));
      return p;
    };
    for (const direction of ['incoming', 'outgoing'] as const) {
      for (const metric of ['pps', 'bps', 'flows'] as const) {
        for (const row of frame.top[direction][metric]) point(row.ip)[direction] = { pps: row.pps, bps: row.bps };
      }
    }
    for (const [ip, p] of seen) {
      let points = this.hosts.get(ip);
      if (!points) this.hosts.set(ip, (points = []));
      points.push(p);
    }
  }
}
