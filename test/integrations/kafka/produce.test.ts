// How the engine's record batches are grouped into Produce requests: one per leader, never two
// batches of one partition in a request (a broker keeps one per partition).
import { describe, expect, it } from 'vitest';
import { produceRequests } from '../../../ts/integrations/kafka/produce.js';

const batch = (partition: number, tag: string) => ({ partition, batch: Buffer.from(tag) });
const tags = (requests: { batch: Buffer }[][]) => requests.map((r) => r.map((b) => b.batch.toString()));

describe('produceRequests', () => {
  it("puts each leader's partitions in one request", () => {
    const leaders: Record<number, number> = { 0: 1, 1: 2, 2: 1, 3: 2 };
    expect(tags(produceRequests([batch(0, 'a'), batch(1, 'b'), batch(2, 'c'), batch(3, 'd')], (p) => leaders[p]))).toEqual([
      ['a', 'c'],
      ['b', 'd'],
    ]);
  });

  it('opens another request for a partition that already has a batch in one, keeping their order', () => {
    expect(tags(produceRequests([batch(0, 'a1'), batch(1, 'b1'), batch(0, 'a2'), batch(0, 'a3'), batch(1, 'b2')], () => 7))).toEqual([
      ['a1', 'b1'],
      ['a2', 'b2'],
      ['a3'],
    ]);
  });

  it('sends a batch whose leader is unknown alone', () => {
    expect(tags(produceRequests([batch(0, 'a'), batch(5, 'x'), batch(1, 'b')], (p) => (p === 5 ? undefined : 1)))).toEqual([['a', 'b'], ['x']]);
  });
});
