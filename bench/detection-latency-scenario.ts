// Scenario 5 of the benchmark: the time to the ban for a SYN flood at 2x and 10x the threshold,
// FastNetMon then floodwatch, on the same datagrams at the same rates. --smoke: floodwatch only,
// once, at 10x, with a short flood.
import { DEFAULT_THRESHOLD_PPS, measureDetectionLatency, type DetectorName, type LatencyFigures } from './detection-latency.js';
import { makeSynFloodDataset } from './syn-flood.js';
import type { Row } from './table.js';

export interface DetectionLatencyScenarioOptions {
  smoke: boolean;
  thresholdPps?: number;
  repeats?: number;
  floodSeconds?: number;
}

export interface DetectionLatencyResults {
  threshold_pps: number;
  sflow_samples_per_datagram: number;
  flood_seconds: number;
  repeats: number;
  /** Per multiple of the threshold ("2x", "10x"), per system; null for a system not run. */
  multiples: Record<string, { fastnetmon: LatencyFigures | null; floodwatch: LatencyFigures | null }>;
}

export async function runDetectionLatencyScenario(o: DetectionLatencyScenarioOptions): Promise<{ rows: Row[]; results: DetectionLatencyResults }> {
  const thresholdPps = o.thresholdPps ?? DEFAULT_THRESHOLD_PPS;
  const multiples = o.smoke ? [10] : [2, 10];
  const detectors: DetectorName[] = o.smoke ? ['floodwatch'] : ['fastnetmon', 'floodwatch'];
  const repeats = o.repeats ?? (o.smoke ? 1 : 3);
  const floodSeconds = o.floodSeconds ?? (o.smoke ? 3 : 15);
  const dataset = await makeSynFloodDataset({ packets: o.smoke ? 10_000 : 50_000 });
  console.error(
    `detection latency: SYN flood to ${dataset.target} as sFlow v5, ${dataset.samplesPerDatagram.toFixed(2)} samples per datagram, threshold ${thresholdPps} pps`,
  );

  const figures = new Map<string, LatencyFigures>();
  for (const detector of detectors) {
    for (const multiple of multiples) {
      console.error(`detection latency: ${detector}, flood at ${multiple}x the threshold, ${repeats} run(s) of ${floodSeconds} s...`);
      figures.set(`${detector}/${multiple}`, await measureDetectionLatency(detector, dataset, multiple, { thresholdPps, floodSeconds, repeats }));
    }
  }

  const rows: Row[] = [];
  const results: DetectionLatencyResults = {
    threshold_pps: thresholdPps,
    sflow_samples_per_datagram: dataset.samplesPerDatagram,
    flood_seconds: floodSeconds,
    repeats,
    multiples: {},
  };
  for (const multiple of multiples) {
    const fastnetmon = figures.get(`fastnetmon/${multiple}`) ?? null;
    const floodwatch = figures.get(`floodwatch/${multiple}`) ?? null;
    results.multiples[`${multiple}x`] = { fastnetmon, floodwatch };
    rows.push({
      figure: `SYN flood at ${multiple}x threshold: time to ban (s)`,
      unit: 's',
      fastnetmon: fastnetmon?.medianSeconds ?? null,
      floodwatch: floodwatch?.medianSeconds ?? null,
      better: 'lower',
    });
  }
  return { rows, results };
}
