// npm run bench [-- --smoke] [--seconds N]: every scenario on FastNetMon 1.2.4 and on
// floodwatch, on the same input in the same run; prints the table and writes
// bench/results/TIMESTAMP.json. --smoke: a few seconds per scenario, small inputs, no FastNetMon
// (CI runs it so that the harness never rots). No figure is ever asserted.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDashboardStreamScenario } from './dashboard-stream.js';
import { datasets, type DatagramDataset } from './datasets.js';
import { runClusterLatencyScenario } from './cluster-latency.js';
import { runDetectionLatencyScenario } from './detection-latency-scenario.js';
import { measureApiLatency } from './api-latency.js';
import { measureBanToRoute } from './ban-to-route.js';
import { measureFastNetMonIngest, type IngestFigures } from './fastnetmon-ingest.js';
import { ensureFastNetMon } from './fastnetmon-install.js';
import { measureFloodwatchIngest } from './floodwatch-ingest.js';
import { runKafkaExportScenario } from './kafka-export.js';
import { runMirrorCaptureScenario } from './mirror-capture-scenario.js';
import { onExit } from './processes.js';
import { buildDatagramSender } from './datagram-sender.js';
import { runSprayScenario } from './spray.js';
import { runTrafficPushScenario } from './traffic-push.js';
import { renderTable, type Row } from './table.js';

interface Options {
  smoke: boolean;
  seconds: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { smoke: false, seconds: 10 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--smoke') options.smoke = true;
    else if (argv[i] === '--seconds') options.seconds = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}\nusage: npm run bench [-- --smoke] [--seconds N]`);
  }
  if (!(options.seconds > 0)) throw new Error('--seconds needs a positive number');
  if (options.smoke) options.seconds = Math.min(options.seconds, 2);
  return options;
}

const LABEL = { 'netflow-v9': 'NetFlow v9', ipfix: 'IPFIX', sflow: 'sFlow v5' } as const;
/** A rate FastNetMon 1.2.4 keeps up with on this machine (about 0.6 M flow records/s). */
const FIXED_RATE = 20_000;

function ingestRows(label: string, f: IngestFigures | null, w: IngestFigures): Row[] {
  return [
    { figure: `${label}: records decoded/s`, unit: 'M/s', fastnetmon: f?.decodedPerSecond ?? null, floodwatch: w.decodedPerSecond, better: 'higher' },
    { figure: `${label}: loss`, unit: '%', fastnetmon: f?.loss ?? null, floodwatch: w.loss, better: 'lower' },
    {
      figure: `${label}: CPU-s per M records`,
      unit: 's',
      fastnetmon: f?.cpuSecondsPerMillionRecords ?? null,
      floodwatch: w.cpuSecondsPerMillionRecords,
      better: 'lower',
    },
  ];
}

async function ingest(d: DatagramDataset, networks: readonly string[], o: Options, rate?: number) {
  const f = o.smoke ? null : await measureFastNetMonIngest(d, networks, { seconds: o.seconds, rate });
  const w = await measureFloodwatchIngest(d, networks, { seconds: o.seconds, rate });
  return { fastnetmon: f, floodwatch: w };
}

function machine() {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memory_gib: +(totalmem() / 2 ** 30).toFixed(1),
    kernel: release(),
    loadavg: loadavg().map((l) => +l.toFixed(2)),
  };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const fastnetmonVersion = o.smoke ? null : await ensureFastNetMon();
  await buildDatagramSender();
  const dir = mkdtempSync(join(tmpdir(), 'floodwatch-bench-'));
  onExit(() => rmSync(dir, { recursive: true, force: true }));
  console.error(`making the datasets${o.smoke ? ' (smoke)' : ''}...`);
  const d = await datasets(o.smoke ? { flows: 20_000, hosts: 401 } : {});

  const rows: Row[] = [];
  const results: Record<string, unknown> = {};
  for (const dataset of [d.netflowV9, d.ipfix, d.sflow]) {
    const label = LABEL[dataset.protocol];
    console.error(`${label}: full speed for ${o.seconds} s each...`);
    const full = await ingest(dataset, d.monitoredNetworks, o);
    rows.push(...ingestRows(`${label} full speed`, full.fastnetmon, full.floodwatch));
    console.error(`${label}: ${FIXED_RATE} datagrams/s for ${o.seconds} s each...`);
    const fixed = await ingest(dataset, d.monitoredNetworks, o, FIXED_RATE);
    rows.push(...ingestRows(`${label} at ${FIXED_RATE} datagrams/s`, fixed.fastnetmon, fixed.floodwatch).slice(1));
    results[dataset.protocol] = { full_speed: full, fixed_rate: { datagrams_per_second: FIXED_RATE, ...fixed } };
  }
  console.error('memory: spraying distinct IPv6 destinations with a SYN flood mixed in...');
  const spray = await runSprayScenario({ smoke: o.smoke });
  results.memory = spray.results;
  rows.push(...spray.rows);

  // Scenario 4: mirror capture, trafgen into a veth pair at a fixed rate (bench/mirror-capture-scenario.ts).
  console.error('mirror capture: trafgen at a fixed rate into a veth pair...');
  const mirror = await runMirrorCaptureScenario({ smoke: o.smoke });
  results.mirror_capture = mirror.results;
  rows.push(...mirror.rows);

  // Scenario 5: time from a SYN flood's start to the ban (bench/detection-latency-scenario.ts).
  console.error('detection latency: SYN floods at 2x and 10x the threshold...');
  const latency = await runDetectionLatencyScenario({ smoke: o.smoke });
  results.detection_latency = latency.results;
  rows.push(...latency.rows);

  // The same at 2x through two sensors, Kafka and a detector, and the cluster's costs (bench/cluster-latency.ts).
  console.error('cluster: detection latency through sensors, Kafka and a detector, and the cost per record and per host entry...');
  const cluster = await runClusterLatencyScenario({ smoke: o.smoke, costDataset: d.netflowV9, costNetworks: d.monitoredNetworks });
  results.cluster_latency = cluster.results;
  rows.push(...cluster.rows);

  // Scenario 7: REST API latency under full-speed ingest (bench/api-latency.ts).
  console.error(`API: host lookups and bans for ${o.seconds} s each while NetFlow v9 is ingested at full speed...`);
  const api = await measureApiLatency(d.netflowV9, d.monitoredNetworks, '198.51.100.7', o.seconds);
  results.api_latency = api;
  rows.push(
    { figure: 'API host lookup p99 under ingest (FastNetMon: no REST API)', unit: 'ms', fastnetmon: null, floodwatch: api.host_lookup.p99_ms, better: 'lower' },
    { figure: "API ban + unban p99 under ingest (state fsync'd)", unit: 'ms', fastnetmon: null, floodwatch: api.ban_and_unban.p99_ms, better: 'lower' },
  );

  // Kafka export at full NetFlow v9 ingest, to a local broker (bench/kafka-export.ts).
  console.error(`Kafka: NetFlow v9 at full speed for ${o.seconds} s, without export, then exporting JSON and Protobuf with each codec (gzip, lz4, zstd)...`);
  const kafka = await runKafkaExportScenario(d.netflowV9, d.monitoredNetworks, o.seconds);
  results.kafka_export = kafka.results;
  rows.push(...kafka.rows);

  // Scenario 7 (BGP): ban decision to the route at gobgpd's peer (bench/ban-to-route.ts).
  console.error('BGP: ban to route at the peer through gobgpd...');
  const bgp = await measureBanToRoute(d.monitoredNetworks, o.smoke ? 2 : 10);
  results.ban_to_route = bgp;
  rows.push({
    figure: 'Ban to blackhole route at the BGP peer, median (FastNetMon: bans only on detection)',
    unit: 'ms',
    fastnetmon: null,
    floodwatch: bgp.median_ms,
    better: 'lower',
  });

  // InfluxDB and Graphite pushes every second with 100 000 active hosts (bench/traffic-push.ts).
  console.error('traffic push: InfluxDB and Graphite every second, CPU with and without...');
  const push = await runTrafficPushScenario({ smoke: o.smoke, seconds: o.seconds });
  results.traffic_push = push.results;
  rows.push(...push.rows);

  // The dashboard's live stream per open page, with 10 000 active hosts (bench/dashboard-stream.ts).
  console.error('dashboard: the live stream with no page, one and ten pages open...');
  const dashboard = await runDashboardStreamScenario({ smoke: o.smoke, seconds: o.seconds });
  results.dashboard_stream = dashboard.results;
  rows.push(...dashboard.rows);

  const table = renderTable(rows);
  console.log(table);
  const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${new Date().toISOString().replace(/[:.]/g, '-')}${o.smoke ? '-smoke' : ''}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        smoke: o.smoke,
        seconds: o.seconds,
        machine: machine(),
        fastnetmon_version: fastnetmonVersion,
        datasets: { flows: d.flows, hosts: d.hosts },
        rows,
        results,
        table,
      },
      null,
      2,
    ) + '\n',
  );
  console.error(`results written to ${file}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench: ${(err as Error).message}`);
    process.exit(1);
  },
);
