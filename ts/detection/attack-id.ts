// Attack ids: sortable by time, unique within a process, safe in file names and URLs.
let last = '';
let sequence = 0;

export function newAttackId(now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace('.', '');
  sequence = stamp === last ? sequence + 1 : 0;
  last = stamp;
  return `${stamp.slice(0, -1)}-${sequence.toString().padStart(3, '0')}`;
}
