// The attack report: text for people (script stdin, e-mail body), JSON for programs, the subject.
import { describe, expect, it } from 'vitest';
import type { AttackRecord } from '../../ts/attacks/types.js';
import { canonicalAttack, renderJsonReport } from '../../ts/report/json.js';
import { emailSubject } from '../../ts/report/subject.js';
import { renderTextReport } from '../../ts/report/text.js';
import { banEvent } from '../../ts/integrations/types.js';
import { manualBanEvent, sampleAttack, sampleBan, sampleEvent } from '../integrations/support.js';

describe('text report', () => {
  const text = renderTextReport(sampleEvent('ban'));

  it('states the host, the attack and the threshold crossed', () => {
    const lines = text.split('\n');
    expect(lines[0]).toBe('floodwatch: 203.0.113.10 banned');
    expect(text).toMatch(/^IP address: +203\.0\.113\.10$/m);
    expect(text).toMatch(/^Direction: +incoming$/m);
    expect(text).toMatch(/^Attack type: +SYN flood \(syn_flood\)$/m);
    expect(text).toMatch(/^Hostgroup: +customers-web$/m);
    expect(text).toMatch(/^Threshold crossed: +TCP SYN 10000 pps, observed 38212 pps$/m);
    expect(text).toMatch(/^Peak: +41234 pps, 23\.52 Mbit\/s, 1200 flows\/s$/m);
    expect(text).toMatch(/^Started: +2024-05-01T12:00:00\.000Z$/m);
    expect(text).toMatch(/^Ended: +not yet$/m);
    expect(text).toMatch(/^Banned: +2024-05-01T12:00:01\.000Z \(automatic\)$/m);
    expect(text).toMatch(/^Ban expires: +2024-05-01T12:31:41\.000Z$/m);
    expect(text).toMatch(/^Fingerprint pcap: +attacks\/20240501T120000Z-0001\.pcap/m);
  });

  it('tabulates the protocols in a fixed order, then the top sources and ports', () => {
    const section = (title: string) => text.split(`\n${title}\n`)[1].split('\n\n')[0].split('\n');
    const protocols = section('Protocol breakdown');
    expect(protocols[0]).toMatch(/^ +protocol +pps +Mbit\/s +share of pps$/);
    expect(protocols.slice(1).map((l) => l.trim().split(/ {2,}/))).toEqual([
      ['TCP', '41200', '23.50', '100%'],
      ['TCP SYN', '41100', '23.40', '100%'],
      ['UDP', '12', '0.01', '0%'],
    ]);
    expect(
      section('Top sources')
        .slice(1)
        .map((l) => l.trim().split(/ +/)),
    ).toEqual([
      ['198.51.100.7', '1200', '72000'],
      ['2001:db8::1', '800', '48000'],
    ]);
    expect(section('Top source ports')[1].trim().split(/ +/)).toEqual(['44321', '30', '1800']);
    expect(section('Top destination ports')[1].trim().split(/ +/)).toEqual(['443', '1990', '119400']);
  });

  it('keeps lines short enough for a mail client', () => {
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(76);
  });

  it('names amplification attacks by their protocol', () => {
    const attack = sampleAttack({ type: 'ntp_amplification', threshold: { metric: 'mbps', value: 1000, observed: 2500.5 } });
    const ntp = renderTextReport(banEvent('attack_details', sampleBan(), attack));
    expect(ntp.split('\n')[0]).toBe('floodwatch: attack details for 203.0.113.10');
    expect(ntp).toMatch(/^Attack type: +NTP amplification \(ntp_amplification\)$/m);
    expect(ntp).toMatch(/^Threshold crossed: +total 1000\.00 Mbit\/s, observed 2500\.50 Mbit\/s$/m);
  });

  it('says when there is nothing to tabulate', () => {
    const empty = sampleAttack({ protocols: {}, top_sources: [], top_source_ports: [], top_destination_ports: [] });
    const report = renderTextReport(banEvent('unban', sampleBan(), empty));
    expect(report).toContain('Protocol breakdown\n  none recorded');
    expect(report).toContain('Top sources\n  none recorded');
  });

  it('reports a manual ban, which has no attack', () => {
    const report = renderTextReport(manualBanEvent());
    expect(report).toMatch(/^IP address: +192\.0\.2\.55$/m);
    expect(report).toMatch(/^Attack: +none \(manual ban\)$/m);
    expect(report).toMatch(/^Ban comment: +abuse ticket 4711$/m);
    expect(report).not.toContain('Protocol breakdown');
  });
});

describe('JSON report', () => {
  it('is the attack record itself, on one line', () => {
    const json = renderJsonReport(sampleEvent());
    expect(json.endsWith('\n')).toBe(true);
    expect(json.trimEnd()).not.toContain('\n');
    expect(JSON.parse(json)).toEqual(sampleAttack());
  });

  it('has its keys in the same order whatever order the record came in', () => {
    const attack = sampleAttack();
    const shuffled = Object.fromEntries(Object.entries(attack).reverse()) as unknown as AttackRecord;
    shuffled.peak = { flows: 1200, mbps: 23.516, pps: 41234.4 };
    expect(renderJsonReport(banEvent('ban', sampleBan(), shuffled))).toBe(renderJsonReport(banEvent('ban', sampleBan(), attack)));
    expect(Object.keys(canonicalAttack(shuffled))).toEqual([
      'id',
      'ip',
      'direction',
      'hostgroup',
      'threshold',
      'type',
      'started_at',
      'ended_at',
      'peak',
      'protocols',
      'top_sources',
      'top_source_ports',
      'top_destination_ports',
      'pcap',
    ]);
    expect(Object.keys(canonicalAttack(shuffled).protocols)).toEqual(['tcp', 'tcp_syn', 'udp']);
  });

  it('is null for a manual ban', () => {
    expect(renderJsonReport(manualBanEvent())).toBe('null\n');
  });
});

describe('e-mail subject', () => {
  it('says who, what and how hard', () => {
    expect(emailSubject(sampleEvent('ban'))).toBe('floodwatch: 203.0.113.10 banned (SYN flood, incoming 41234 pps)');
    expect(emailSubject(sampleEvent('unban'))).toBe('floodwatch: 203.0.113.10 unbanned (SYN flood, incoming 41234 pps)');
    expect(emailSubject(manualBanEvent())).toBe('floodwatch: 192.0.2.55 banned (manual ban, incoming)');
  });
});
