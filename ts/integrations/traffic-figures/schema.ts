// The keys both traffic pushes share in their configuration sections.
import { Type } from '@sinclair/typebox';

export const PushSchedule = {
  /** How often the figures are pushed. */
  push_seconds: Type.Integer({ minimum: 1, maximum: 3600 }),
  /** Hosts pushed, by pps and by bit/s in each direction, beside every host under attack. */
  top_hosts: Type.Integer({ minimum: 0, maximum: 1000 }),
  /** Pushes kept while the server is slow or down; past it the oldest are dropped (counted). */
  queue_batches: Type.Integer({ minimum: 2, maximum: 86400 }),
};
