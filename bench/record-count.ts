// Counts, with tshark, the flow records (NetFlow v9, IPFIX) or sFlow flow samples in each
// datagram of a capture: the harness turns datagrams/s into records/s with it.
import { runCommand } from './processes.js';

export type FlowProtocol = 'cflow' | 'sflow';

/**
 * Records in each datagram of `pcap`, in order. NetFlow v9 and IPFIX: data records that carry
 * a protocol field (templates and options records excluded). sFlow: flow samples (counter
 * samples excluded).
 */
export async function recordsPerDatagram(pcap: string, port: number, protocol: FlowProtocol): Promise<number[]> {
  const field = protocol === 'cflow' ? 'cflow.protocol' : 'sflow.flow_sample.sequence_number';
  const { stdout } = await runCommand(
    'tshark',
    ['-r', pcap, '-d', `udp.port==${port},${protocol}`, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', '-e', field],
    { timeoutMs: 600_000 },
  );
  const lines = stdout.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => (line.trim() === '' ? 0 : line.split(',').length));
}
