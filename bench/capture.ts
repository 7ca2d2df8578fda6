// Captures, with tshark on the loopback interface, the UDP datagrams an exporter sends to a
// port, into a classic pcap file that floodwatch-datagram-sender can send again.
import { createSocket, type Socket } from 'node:dgram';
import { statSync } from 'node:fs';
import { sleep, startProcess, stopProcess } from './processes.js';

/** Binds 127.0.0.1:port so that the exporter's datagrams are received, not refused with ICMP. */
function bindSink(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sink = createSocket('udp4');
    sink.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`cannot bind the capture sink on 127.0.0.1:${port} (${err.code}): pick another port`)));
    sink.on('message', () => undefined);
    sink.bind(port, '127.0.0.1', () => resolve(sink));
  });
}

async function waitForCapture(tshark: ReturnType<typeof startProcess>): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!/Capturing on/.test(tshark.output().stderr)) {
    if (tshark.hasExited()) {
      throw new Error(`tshark stopped before capturing on lo (run as root or give dumpcap cap_net_raw):\n${tshark.output().stderr}`);
    }
    if (Date.now() > deadline) throw new Error(`tshark did not start capturing on lo within 15 s:\n${tshark.output().stderr}`);
    await sleep(50);
  }
  await sleep(300); // the filter is attached: give dumpcap a moment before the first datagram
}

/**
 * Captures every UDP datagram sent to 127.0.0.1:`port` while `send()` runs into `out`
 * (classic pcap). Throws if tshark reports dropped packets or captures nothing.
 */
export async function captureDatagrams(port: number, out: string, send: () => Promise<void>): Promise<void> {
  const sink = await bindSink(port);
  const tshark = startProcess('tshark', 'tshark', ['-i', 'lo', '-f', `udp dst port ${port}`, '-B', '64', '-F', 'pcap', '-w', out]);
  try {
    await waitForCapture(tshark);
    await send();
    await sleep(500);
    await stopProcess(tshark, { signal: 'SIGINT', graceMs: 10_000 });
    const { stderr } = tshark.output();
    const dropped = /(\d+) packets? dropped/.exec(stderr);
    if (dropped && Number(dropped[1]) > 0) {
      throw new Error(`tshark dropped ${dropped[1]} datagrams while capturing port ${port}: the dataset would be incomplete; retry on a quieter machine`);
    }
    if ((statSync(out, { throwIfNoEntry: false })?.size ?? 0) <= 24) {
      throw new Error(`tshark captured no datagram on port ${port}: the exporter sent nothing (see its output above)`);
    }
  } finally {
    await stopProcess(tshark, { signal: 'SIGINT' });
    sink.close();
  }
}
