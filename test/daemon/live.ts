// A live NetFlow stream: tcpreplay sends a capture into a veth pair, softflowd watches the other
// end and exports the active flows every second as IPFIX.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createVethPair, type VethPair } from '../support/veth.js';
import { waitFor } from '../support/daemon.js';
import type { Capture } from './floods.js';

export interface Replayed {
  /** Seconds since the epoch when tcpreplay had sent the last packet. */
  endedAt: number;
}

export interface LiveNetFlow {
  /** Sends the capture through the link; resolves once its last packet is sent. */
  replay(capture: Capture): Promise<Replayed>;
  close(): Promise<void>;
}

function startSoftflowd(dir: string, iface: string, collectorPort: number): ChildProcess {
  return spawn(
    'softflowd',
    [
      '-d',
      '-i',
      iface,
      '-n',
      `127.0.0.1:${collectorPort}`,
      '-v',
      '10',
      // Active flows are exported after a second, checked every second.
      '-t',
      'maxlife=1',
      '-t',
      'expint=1',
      // A SYN flood from many ports is one flow per packet.
      '-m',
      '200000',
      '-p',
      join(dir, 'softflowd.pid'),
      '-c',
      join(dir, 'softflowd.ctl'),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
}

async function waitForCapture(softflowd: ChildProcess): Promise<void> {
  let stderr = '';
  let exited = false;
  softflowd.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  softflowd.once('exit', () => (exited = true));
  await waitFor('softflowd to start capturing', () => {
    if (exited) throw new Error(`softflowd exited: ${stderr}`);
    return stderr.includes('starting data collection');
  });
}

function tcpreplay(iface: string, capture: Capture, running: Set<ChildProcess>): Promise<Replayed> {
  // In bursts every 10 ms rather than packet by packet: tcpreplay then keeps its pace on a busy
  // machine, where its per-packet timing falls far behind.
  const pacing = [`--pps=${capture.pps}`, `--pps-multi=${Math.ceil(capture.pps / 100)}`];
  return new Promise((resolve, reject) => {
    const child = execFile('tcpreplay', ['-q', ...pacing, '-i', iface, capture.path], { timeout: 120_000 }, (error, _stdout, stderr) => {
      running.delete(child);
      if (error) reject(new Error(`tcpreplay failed: ${error.message}\n${stderr}`));
      else resolve({ endedAt: Date.now() / 1000 });
    });
    running.add(child);
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** Creates the veth pair and starts softflowd on it, exporting to 127.0.0.1:`collectorPort`. */
export async function startLiveNetFlow(dir: string, collectorPort: number): Promise<LiveNetFlow> {
  const veth: VethPair = createVethPair();
  const softflowd = startSoftflowd(dir, veth.capture, collectorPort);
  const replays = new Set<ChildProcess>();
  const close = async () => {
    for (const child of [...replays, softflowd]) await stopProcess(child);
    veth.remove();
  };
  try {
    await waitForCapture(softflowd);
  } catch (err) {
    await close();
    throw err;
  }
  return { replay: (capture) => tcpreplay(veth.send, capture, replays), close };
}
