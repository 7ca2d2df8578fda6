// Reads a Prometheus text endpoint into a map of series → value.

/**
 * Parses Prometheus text format: `name{labels} value` → map key `name{labels}` (labels as
 * written), or `name` alone. Tolerates a missing space before the value, as FastNetMon 1.2.4
 * writes its `fastnetmon_total_traffic_flows{...}0` lines.
 */
export function parsePrometheusText(text: string): Map<string, number> {
  const metrics = new Map<string, number>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s*(\S+)/.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (!Number.isNaN(value) || m[3] === 'NaN') metrics.set(m[1] + (m[2] ?? ''), value);
  }
  return metrics;
}

/** GETs `url` and parses it; the error says what did not answer. */
export async function scrapePrometheus(url: string, timeoutMs = 5000): Promise<Map<string, number>> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new Error(`no answer from ${url}: ${(err as Error).message}`, { cause: err });
  }
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
  return parsePrometheusText(await response.text());
}
