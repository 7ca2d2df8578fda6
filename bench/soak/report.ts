// The soak's report: a table of figures and a table of checks, each check passed or failed
// with what it found.

export interface Check {
  name: string;
  ok: boolean;
  found: string;
}

export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  return [line(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.map(line)].join('\n');
}

export function renderFigures(figures: [string, string][]): string {
  return table(
    ['figure', 'value'],
    figures.map(([f, v]) => [f, v]),
  );
}

export function renderChecks(checks: Check[]): string {
  return table(
    ['check', 'result', 'found'],
    checks.map((c) => [c.name, c.ok ? 'pass' : 'FAIL', c.found]),
  );
}
