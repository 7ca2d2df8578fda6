// The rate series an attack record keeps from its detection on: a point a second at most, and
// thinned (never cut) past its bound, so that it always spans the whole attack.
import { describe, expect, it } from 'vitest';
import { newAttackRecord, recordRate, SERIES_MAX_POINTS } from '../../ts/detection/attack-record.js';
import { counters, violation } from './scripted-engine.js';

const START = Date.parse('2026-01-01T00:00:00Z');
const hostAt = (pps: number) => ({ ip: '198.51.100.1', incoming: counters(pps, pps * 800), outgoing: counters(0), last_seen_ms: 0 });

describe('attack rate series', () => {
  it('starts with the rate at detection and takes at most a point a second', () => {
    const record = newAttackRecord('x-000', violation('198.51.100.1', 5000, 4_000_000), 'udp_flood', START);
    expect(record.series).toEqual([{ at: START, pps: 5000, mbps: 4 }]);
    recordRate(record, hostAt(6000), START + 100);
    recordRate(record, hostAt(7000), START + 1000);
    recordRate(record, hostAt(8000), START + 1500);
    recordRate(record, hostAt(9000), START + 2100);
    expect(record.series!.map((p) => [p.at - START, p.pps])).toEqual([
      [0, 5000],
      [1000, 7000],
      [2100, 9000],
    ]);
  });

  it('stays within its bound over a long attack, still from the first point to the last', () => {
    const record = newAttackRecord('x-000', violation('198.51.100.1', 5000), 'udp_flood', START);
    const seconds = 3 * 3600;
    for (let s = 1; s <= seconds; s++) recordRate(record, hostAt(5000 + s), START + s * 1000);
    const series = record.series!;
    expect(series.length).toBeLessThanOrEqual(SERIES_MAX_POINTS + 1);
    expect(series.length).toBeGreaterThan(SERIES_MAX_POINTS / 2);
    expect(series[0]!.at).toBe(START);
    expect(series.at(-1)!.at).toBe(START + seconds * 1000);
    for (let i = 1; i < series.length; i++) expect(series[i]!.at).toBeGreaterThan(series[i - 1]!.at);
  });
});
