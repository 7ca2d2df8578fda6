// The side-by-side table: figure, FastNetMon, floodwatch and their ratio.

export interface Row {
  figure: string;
  unit: string;
  fastnetmon: number | null;
  floodwatch: number | null;
  /** Whether a higher figure is better (throughput) or a lower one (CPU, memory, loss). */
  better: 'higher' | 'lower';
}

function format(value: number | null, unit: string): string {
  if (value === null || Number.isNaN(value)) return '-';
  if (unit === '%') return `${(value * 100).toFixed(2)} %`;
  if (unit === 'MiB') return `${(value / 2 ** 20).toFixed(1)} MiB`;
  if (unit === 'M/s') return `${(value / 1e6).toFixed(3)} M/s`;
  if (unit === 'ms') return `${value.toFixed(0)} ms`;
  return `${value.toFixed(3)} ${unit}`;
}

/** How many times better floodwatch is (>1) or worse (<1). */
export function advantage(row: Row): number | null {
  const { fastnetmon: f, floodwatch: w } = row;
  if (f === null || w === null || Number.isNaN(f) || Number.isNaN(w)) return null;
  if (row.better === 'higher') return f > 0 ? w / f : null;
  return w > 0 ? f / w : null;
}

export function renderTable(rows: Row[]): string {
  const header = ['figure', 'FastNetMon 1.2.4', 'floodwatch', 'floodwatch advantage'];
  const lines = rows.map((r) => {
    const a = advantage(r);
    return [r.figure, format(r.fastnetmon, r.unit), format(r.floodwatch, r.unit), a === null ? '-' : `${a.toFixed(2)}x (${r.better} is better)`];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  return [fmt(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...lines.map(fmt)].join('\n');
}
