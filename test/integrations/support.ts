// Shared by the action tests: a sample attack and ban, and a pino logger that keeps its records.
import { chmodSync, copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino, { type Logger } from 'pino';
import type { AttackRecord, Ban } from '../../ts/attacks/types.js';
import { banEvent, type BanEvent, type BanEventKind } from '../../ts/integrations/types.js';

export const TESTDATA = join(dirname(fileURLToPath(import.meta.url)), 'script', 'testdata');

export function sampleAttack(overrides: Partial<AttackRecord> = {}): AttackRecord {
  return {
    id: '20240501T120000Z-0001',
    ip: '203.0.113.10',
    direction: 'incoming',
    hostgroup: 'customers-web',
    threshold: { metric: 'tcp_syn_pps', value: 10000, observed: 38211.6 },
    type: 'syn_flood',
    started_at: '2024-05-01T12:00:00.000Z',
    ended_at: null,
    peak: { pps: 41234.4, mbps: 23.516, flows: 1200 },
    protocols: {
      udp: { pps: 12, mbps: 0.01 },
      tcp: { pps: 41200, mbps: 23.5 },
      tcp_syn: { pps: 41100, mbps: 23.4 },
    },
    top_sources: [
      { key: '198.51.100.7', packets: 1200, bytes: 72000 },
      { key: '2001:db8::1', packets: 800, bytes: 48000 },
    ],
    top_source_ports: [{ key: '44321', packets: 30, bytes: 1800 }],
    top_destination_ports: [{ key: '443', packets: 1990, bytes: 119400 }],
    pcap: 'attacks/20240501T120000Z-0001.pcap',
    ...overrides,
  };
}

export function sampleBan(overrides: Partial<Ban> = {}): Ban {
  return {
    ip: '203.0.113.10',
    direction: 'incoming',
    hostgroup: 'customers-web',
    attack_id: '20240501T120000Z-0001',
    banned_at: '2024-05-01T12:00:01.000Z',
    expires_at: '2024-05-01T12:31:41.000Z',
    manual: false,
    comment: null,
    ...overrides,
  };
}

export function sampleEvent(kind: BanEventKind = 'ban'): BanEvent {
  return banEvent(kind, sampleBan(), sampleAttack());
}

export function manualBanEvent(): BanEvent {
  return banEvent('ban', sampleBan({ ip: '192.0.2.55', attack_id: null, manual: true, comment: 'abuse ticket 4711' }), null);
}

export interface LogRecord {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A real pino logger whose JSON lines are kept, parsed, in `records`. */
export function memoryLogger(): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void records.push(JSON.parse(line)) });
  return { logger, records };
}

/** A copy of a fixture script in a fresh directory, made executable (or not). */
export function installScript(fixture: string, executable = true): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'floodwatch-script-'));
  const path = join(dir, fixture);
  copyFileSync(join(TESTDATA, fixture), path);
  chmodSync(path, executable ? 0o755 : 0o644);
  return { dir, path };
}
