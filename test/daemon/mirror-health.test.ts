// The daemon's word on a failing mirror port: once when it fails, once when frames flow again.
import { describe, expect, it } from 'vitest';
import { MirrorHealth } from '../../ts/daemon/mirror-health.js';
import type { MirrorState } from '../../ts/engine/index.js';
import { memoryLogger } from '../integrations/support.js';

const SOURCE = 'af_packet:eth1#0';
const DOWN = 'eth1 went down or was removed';

function state(packets: number, errors: number): MirrorState {
  return { name: SOURCE, packets, bytes: 0, kernel_drops: 0, ring_full: 0, unparsed: 0, errors, last_error: errors > 0 ? DOWN : null };
}

describe('MirrorHealth', () => {
  it('logs a failure once while it lasts, and the recovery once frames are counted again', () => {
    const { logger, records } = memoryLogger();
    const health = new MirrorHealth(logger);
    for (const [packets, errors] of [
      [10, 0],
      [10, 1],
      [10, 1],
      [10, 2],
      [12, 2],
      [15, 2],
      [15, 3],
      [16, 3],
    ])
      health.update([state(packets, errors)]);
    expect(records.map((r) => [r.level, r.msg, r.source, r.error])).toEqual([
      [50, 'mirror capture failing; it resumes when the interface is up again', SOURCE, DOWN],
      [30, 'mirror capture receiving again', SOURCE, undefined],
      [50, 'mirror capture failing; it resumes when the interface is up again', SOURCE, DOWN],
      [30, 'mirror capture receiving again', SOURCE, undefined],
    ]);
  });
});
