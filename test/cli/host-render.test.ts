// floodwatch host's text: a host counted cheaply says which of its figures are approximate.
import { describe, expect, it } from 'vitest';
import type { DirectionCounters } from '../../ts/engine/index.js';
import { renderHost } from '../../ts/cli/host.js';

const zero = { pps: 0, bps: 0, packets_total: 0, bytes_total: 0 };
const counters = (approximate: boolean): DirectionCounters => ({
  ...zero,
  pps: 12,
  packets_total: 120,
  flows: 0,
  flows_total: 0,
  protocols: { tcp: zero, tcp_syn: zero, udp: zero, icmp: zero, fragments: zero },
  approximate,
});

describe('floodwatch host, rendered', () => {
  it('says when a direction is counted cheaply, and what stays exact', () => {
    const lines = renderHost(
      '198.51.100.7',
      { ip: '198.51.100.7', hostgroup: 'global', incoming: counters(true), outgoing: counters(false) },
      [],
      [],
      Date.now(),
    );
    expect(lines).toContain('flows/s in approximate: counted cheaply until the host grows (packets, bytes and their speeds are exact)');
  });

  it('says nothing of it for a host with full counters', () => {
    const lines = renderHost(
      '198.51.100.7',
      { ip: '198.51.100.7', hostgroup: 'global', incoming: counters(false), outgoing: counters(false) },
      [],
      [],
      Date.now(),
    );
    expect(lines.join('\n')).not.toMatch(/approximate/);
  });
});
