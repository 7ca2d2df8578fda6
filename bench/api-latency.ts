// Scenario 7 (API): p99 latency of host lookups and of bans (POST then DELETE) through the
// REST API, with autocannon, while the engine ingests NetFlow v9 at full speed. FastNetMon 1.2.4
// has no REST API (its API is a gRPC service driven by a command-line client), so the figures
// are floodwatch's alone.
import autocannon from 'autocannon';
import type { DatagramDataset } from './datasets.js';
import { startFloodwatchDaemon } from './floodwatch-daemon.js';
import { writeNotifyScript } from './notify-script.js';
import { freeTcpPort } from './ports.js';
import { sendDatagrams } from './datagram-sender.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LatencyFigures {
  requests: number;
  errors: number;
  non2xx: number;
  p50_ms: number;
  p99_ms: number;
  requests_per_second: number;
}

const TOKEN = 'bench-token-0123456789abcdef';

/** Per autocannon connection: the address its last POST banned. */
interface BanContext {
  ip?: string;
}

function figures(result: autocannon.Result): LatencyFigures {
  return {
    requests: result.requests.total,
    errors: result.errors,
    non2xx: result.non2xx,
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    requests_per_second: result.requests.average,
  };
}

/** `seconds` of load on the API while `dataset` is replayed at full speed into the collector. */
export async function measureApiLatency(dataset: DatagramDataset, networks: readonly string[], hostIp: string, seconds: number) {
  const dir = mkdtempSync(join(tmpdir(), 'floodwatch-bench-api-'));
  const apiPort = await freeTcpPort();
  const daemon = await startFloodwatchDaemon({
    networks,
    thresholdPps: 1e9, // nothing is banned by detection: only the API's bans
    notifyScript: writeNotifyScript(dir).path,
    api: { listen: `127.0.0.1:${apiPort}`, token: TOKEN },
  });
  const url = `http://127.0.0.1:${apiPort}`;
  try {
    const ingest = sendDatagrams({ pcap: dataset.pcap, port: daemon.port, seconds: 2 * seconds + 4, rate: undefined });
    await new Promise((r) => setTimeout(r, 1000));
    const lookups = await autocannon({ url: `${url}/api/v1/hosts/${hostIp}`, connections: 8, duration: seconds });
    let next = 0;
    // Each connection bans a fresh address of 10.255.0.0/16 (outside the monitored networks:
    // force) and lifts it again, over and over.
    const bans = await autocannon({
      url,
      connections: 4,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          path: '/api/v1/bans',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          setupRequest: (req, context) => {
            const n = next++;
            const ip = `10.255.${(n >> 8) & 255}.${n & 255}`;
            (context as BanContext).ip = ip;
            return { ...req, body: JSON.stringify({ ip, force: true, ttl_seconds: 600 }) };
          },
        },
        {
          method: 'DELETE',
          headers: { authorization: `Bearer ${TOKEN}` },
          setupRequest: (req, context) => ({ ...req, path: `/api/v1/bans/${(context as BanContext).ip}` }),
        },
      ],
    });
    await ingest;
    return { host_lookup: figures(lookups), ban_and_unban: figures(bans) };
  } finally {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
