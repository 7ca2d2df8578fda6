// How the engine's record batches are grouped into Produce requests: one per leader, never two
// batches of one partition in a request (a broker keeps one per partition).
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { produceBody, produceRequests } from '../../../ts/integrations/kafka/produce.js';

interface Encoder {
  writeString(value: string | null): Encoder;
  writeInt16(value: number): Encoder;
  writeInt32(value: number): Encoder;
  writeBytes(value: Buffer): Encoder;
  writeArray(value: Encoder[]): Encoder;
  buffer: Buffer;
}
const Encoder = createRequire(import.meta.url)('kafkajs/src/protocol/encoder.js') as new () => Encoder;

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

describe('produceBody', () => {
  it("is what kafkajs's own Produce v3 request encodes", () => {
    const batches = [batch(0, 'first batch'), batch(3, 'x'.repeat(70_000)), batch(1, '')];
    const kafkajs = new Encoder()
      .writeString(null)
      .writeInt16(-1)
      .writeInt32(30_000)
      .writeArray([
        new Encoder().writeString('flöws').writeArray(batches.map(({ partition, batch }) => new Encoder().writeInt32(partition).writeBytes(batch))),
      ]);
    expect(produceBody('flöws', -1, 30_000, batches).equals(kafkajs.buffer)).toBe(true);
  });
});
