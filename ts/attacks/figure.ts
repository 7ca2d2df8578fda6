// Figures from the engine as plain numbers: a count that reached the binding as a bigint (above
// 2^53) is saturated, so that records stay serialisable (JSON, the API) and comparable.
const MAX = BigInt(Number.MAX_SAFE_INTEGER);

export function figure(value: number | bigint): number {
  if (typeof value !== 'bigint') return value;
  return value > MAX ? Number.MAX_SAFE_INTEGER : value < -MAX ? -Number.MAX_SAFE_INTEGER : Number(value);
}

/** JSON.stringify's replacer for records that may still hold a bigint. */
export const bigintAsFigure = (_key: string, value: unknown): unknown => (typeof value === 'bigint' ? figure(value) : value);
