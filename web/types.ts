// The shapes the page reads: the live stream's frame and the REST API's answers.
export type { LiveFrame, Rates, TopRow } from '../ts/api/dashboard/live-frame.js';
export type { AttackRecord, Ban } from '../ts/attacks/types.js';
export type { Direction, DirectionCounters, Metric } from '../ts/engine/index.js';
