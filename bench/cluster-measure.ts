// Runs the cluster scenario alone and prints every run, the medians and the costs:
//   npx tsx bench/cluster-measure.ts [--smoke]
import { loadavg } from 'node:os';
import { runClusterLatencyScenario } from './cluster-latency.js';
import { datasets } from './datasets.js';
import { buildDatagramSender } from './datagram-sender.js';
import { parseScenarioArgs } from './scenario-args.js';
import { renderTable } from './table.js';

async function main(): Promise<void> {
  const o = parseScenarioArgs(process.argv.slice(2), 'usage: cluster-measure.ts [--smoke]', {});
  await buildDatagramSender();
  const d = await datasets(o.smoke ? { flows: 20_000, hosts: 401 } : {});
  const { rows, results } = await runClusterLatencyScenario({ smoke: o.smoke, costDataset: d.netflowV9, costNetworks: d.monitoredNetworks });
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(JSON.stringify(results, null, 2));
  console.log(renderTable(rows));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`cluster-measure: ${(err as Error).message}`);
    process.exit(1);
  },
);
