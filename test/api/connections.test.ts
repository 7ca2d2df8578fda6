// The REST API's connections against a real listening server: at most api.max_connections at
// once, idle and slow ones closed, both counted in /metrics; and the share of the open-files
// limit the API may take, leaving descriptors for the state directory and the actions.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionCap, openFilesLimit } from '../../ts/api/descriptors.js';
import { startApi } from '../../ts/api/server.js';
import { waitFor } from '../support/daemon.js';
import { apiConfig, silentLog, startFixture, type ApiFixture } from './fixture.js';

const MAX_CONNECTIONS = 100;
const IDLE_CLIENTS = 1000;

let fixture: ApiFixture;
let dir: string;

beforeAll(async () => {
  fixture = await startFixture();
  dir = mkdtempSync(join(tmpdir(), 'floodwatch-api-connections-'));
});

afterAll(async () => {
  await fixture?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Client {
  socket: Socket;
  closed: boolean;
}

/** Opens a TCP connection that sends nothing (or what `send` writes); resolves once connected. */
function idleClient(port: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const client: Client = { socket, closed: false };
    socket.on('close', () => (client.closed = true));
    socket.on('error', () => {});
    socket.once('connect', () => resolve(client));
    socket.once('error', reject);
  });
}

async function metric(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const sample = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  if (!sample) throw new Error(`${name} is not in /metrics`);
  return Number(sample[1]);
}

describe('a started API with api.max_connections: 100 and api.idle_timeout_seconds: 1', () => {
  it('holds 100 idle connections at most, closes the others at once, then the idle ones; counts both', async () => {
    const { server, address } = await startApi(apiConfig({ max_connections: MAX_CONNECTIONS, idle_timeout_seconds: 1 }), fixture.context, silentLog);
    const base = `http://${address}`;
    const port = Number(address.split(':').pop());
    const clients: Client[] = [];
    try {
      for (let i = 0; i < IDLE_CLIENTS; i++) clients.push(await idleClient(port));
      // Past the cap, the server closes each connection as it arrives.
      await waitFor('the connections past the cap closed', () => clients.filter((c) => c.closed).length >= IDLE_CLIENTS - MAX_CONNECTIONS);
      const refused = await idleClient(port);
      let answered = '';
      refused.socket.on('data', (chunk) => (answered += chunk.toString()));
      refused.socket.write('GET /api/v1/traffic HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      await waitFor('the request past the cap closed unanswered', () => refused.closed);
      expect(answered).toBe('');
      // Then the idle ones, after api.idle_timeout_seconds.
      await waitFor('the idle connections closed by the server', () => clients.every((c) => c.closed));
      expect((await fetch(`${base}/api/v1/traffic`)).status).toBe(200);
      expect(await metric(base, 'floodwatch_api_connections_max')).toBe(MAX_CONNECTIONS);
      expect(await metric(base, 'floodwatch_api_connections_refused_total')).toBe(IDLE_CLIENTS - MAX_CONNECTIONS + 1);
      expect(await metric(base, 'floodwatch_api_connections_open')).toBeGreaterThanOrEqual(1);
    } finally {
      for (const c of clients) c.socket.destroy();
      await server.close();
    }
  });

  it('closes a connection that sends its headers a byte at a time', async () => {
    const { server, address } = await startApi(apiConfig({ max_connections: MAX_CONNECTIONS, idle_timeout_seconds: 1 }), fixture.context, silentLog);
    const port = Number(address.split(':').pop());
    const slow = await idleClient(port);
    const request = 'GET /api/v1/traffic HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ';
    let sent = 0;
    const dribble = setInterval(() => {
      if (!slow.closed) slow.socket.write(sent < request.length ? request[sent++]! : 'a');
    }, 200);
    try {
      await waitFor('the slow client closed by the server', () => slow.closed);
    } finally {
      clearInterval(dribble);
      slow.socket.destroy();
      await server.close();
    }
  });

  it('closes a kept-alive connection once idle', async () => {
    const { server, address } = await startApi(apiConfig({ idle_timeout_seconds: 1 }), fixture.context, silentLog);
    const port = Number(address.split(':').pop());
    const client = await idleClient(port);
    let answer = '';
    client.socket.on('data', (chunk) => (answer += chunk.toString()));
    client.socket.write('GET /api/v1/traffic HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    try {
      await waitFor('the answer', () => answer.startsWith('HTTP/1.1 200'));
      await waitFor('the kept-alive connection closed by the server', () => client.closed);
    } finally {
      client.socket.destroy();
      await server.close();
    }
  });
});

describe('the open-files limit', () => {
  it('leaves descriptors for the state and actions: the API takes the limit less a reserve', () => {
    expect(connectionCap(256, { soft: 20_000, hard: 20_000 })).toEqual({ cap: 256, reserve: 512, limitedByDescriptors: false });
    expect(connectionCap(100_000, { soft: 20_000, hard: 20_000 })).toEqual({ cap: 19_488, reserve: 512, limitedByDescriptors: true });
    expect(connectionCap(256, { soft: 300, hard: 300 })).toEqual({ cap: 150, reserve: 150, limitedByDescriptors: true });
    expect(connectionCap(256, null)).toEqual({ cap: 256, reserve: 0, limitedByDescriptors: false });
  });

  it('is read from /proc as the kernel has it', () => {
    const path = join(dir, 'limits');
    writeFileSync(
      path,
      'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 524288               files\n',
    );
    expect(openFilesLimit(path)).toEqual({ soft: 1024, hard: 524288 });
    expect(openFilesLimit()?.soft).toBeGreaterThan(0);
  });

  it('has its soft limit raised to the hard one at start', async () => {
    const { stdout } = await underLimit('256:2048', [
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(DESCRIPTORS)}); console.log(JSON.stringify(m.openFilesLimit()));`,
    ]);
    expect(JSON.parse(stdout)).toEqual({ soft: 2048, hard: 2048 });
  });

  it('of 300 makes floodwatch run take 150 API connections at most, and say so', async () => {
    const config = join(dir, 'low-limit.yaml');
    writeFileSync(config, `state_dir: ${join(dir, 'state')}\nsources:\n  flow:\n    listen: ["127.0.0.1:0"]\n    workers: 1\napi:\n  listen: 127.0.0.1:0\n`);
    const { logs } = await underLimit('300:300', [MAIN, 'run', '--config', config], async (lines) => {
      const listening = await waitFor('the REST API', () => lines.find((l) => l.msg === 'REST API listening'));
      const base = (listening.api as string).replace(/\/api\/v1$/, '');
      expect(await metric(base, 'floodwatch_api_connections_max')).toBe(150);
    });
    expect(logs.find((l) => /the REST API takes at most 150 connections, not api.max_connections \(256\)/.test(l.msg))).toMatchObject({
      level: 40,
      open_files_limit: 300,
      reserved: 150,
    });
    expect(logs.find((l) => /^the open-files limit is 300: raise it/.test(l.msg))).toBeDefined();
  });
});

const MAIN = fileURLToPath(new URL('../../ts/cli/main.ts', import.meta.url));
const DESCRIPTORS = fileURLToPath(new URL('../../ts/api/descriptors.ts', import.meta.url));

type LogLine = { msg: string; level: number; [key: string]: unknown };

/** Runs node under `prlimit --nofile=SOFT:HARD`; with `whileRunning`, stops it with SIGTERM once that is done. */
async function underLimit(limit: string, args: string[], whileRunning?: (lines: LogLine[]) => Promise<void>): Promise<{ stdout: string; logs: LogLine[] }> {
  const child = spawn('prlimit', [`--nofile=${limit}`, process.execPath, '--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const logs: LogLine[] = [];
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const line of lines) if (line.startsWith('{"level"')) logs.push(JSON.parse(line) as LogLine);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    if (whileRunning) await whileRunning(logs);
  } finally {
    if (whileRunning) child.kill('SIGTERM');
  }
  const code = await exited;
  if (!whileRunning && code !== 0) throw new Error(`exit ${code}: ${stderr}`);
  return { stdout, logs };
}
