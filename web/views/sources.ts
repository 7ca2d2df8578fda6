// Sources: the health checks, the flow listeners and exporters with their rates and drops, the
// mirror ports, and the host table.
import type { View } from '../app.js';
import { h, table, updateRows } from '../dom.js';
import { limits, si } from '../format.js';
import type { LiveFrame } from '../types.js';

const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);
const perSecond = (now: number, before: number | undefined, seconds: number) =>
  before === undefined || seconds <= 0 ? '–' : `${si(Math.max(0, now - before) / seconds)}/s`;

export const sourcesView: View = (main, app) => {
  const checks = table('Health (as GET /healthz says)', ['Check', 'Status', 'Detail'], { id: 'health' });
  const exporters = table('Flow exporters', ['Exporter', 'Format', 'Datagrams', 'Records', 'Dropped', 'Templates', 'Sampling'], { id: 'exporters' });
  const listeners = table('Flow listeners', ['Address', 'Worker', 'Kernel drops']);
  const mirrors = table('Mirror ports', ['Source', 'Packets', 'Kernel drops', 'Ring full', 'Errors', 'Last error']);
  const thresholds = table('Hostgroups and their thresholds (read-only)', ['Hostgroup', 'Prefixes', 'Bans', 'Incoming', 'Outgoing'], { id: 'thresholds' });
  const hosts = table('Host table', ['Hosts', 'Full', 'Compact', 'Protected', 'Refused', 'Memory', 'Evicted idle', 'Evicted full', 'Tick']);
  main.append(
    h('h2', {}, 'Sources'),
    h('section', { class: 'panel' }, checks.table),
    h('section', { class: 'panel' }, exporters.table),
    h('div', { class: 'grid2' }, h('section', { class: 'panel' }, listeners.table), h('section', { class: 'panel' }, mirrors.table)),
    h('section', { class: 'panel' }, thresholds.table),
    h('section', { class: 'panel' }, hosts.table),
    h('p', { class: 'note' }, 'The configuration is changed in its file and reloaded (SIGHUP); floodwatch check-config validates it.'),
  );
  let previous: LiveFrame | null = app.live.previous;
  const draw = (frame: LiveFrame) => {
    const seconds = previous ? (frame.at - previous.at) / 1000 : 0;
    const before = new Map(previous?.sources.exporters.map((e) => [e.exporter, e]));
    const mirrorsBefore = new Map(previous?.sources.mirrors.map((m) => [m.name, m]));
    updateRows(
      checks.body,
      Object.entries(frame.health.checks).map(([name, check]) => [name, check.status, check.detail]),
    );
    updateRows(
      exporters.body,
      frame.sources.exporters.map((e) => {
        const b = before.get(e.exporter);
        return [
          e.exporter,
          e.format ?? '–',
          perSecond(e.datagrams, b?.datagrams, seconds),
          perSecond(e.records, b?.records, seconds),
          String(sum(e.dropped)),
          String(e.templates),
          e.sampling_rate > 1 ? `1:${e.sampling_rate}` : '–',
        ];
      }),
      'nothing received yet: point your exporters at sources.flow.listen',
    );
    updateRows(
      listeners.body,
      frame.sources.listeners.map((l) => [l.address, String(l.worker), String(l.kernel_drops)]),
      'no flow listener',
    );
    updateRows(
      mirrors.body,
      frame.sources.mirrors.map((m) => [
        m.name,
        perSecond(m.packets, mirrorsBefore.get(m.name)?.packets, seconds).replace('/s', ' pps'),
        String(m.kernel_drops),
        String(m.ring_full),
        String(m.errors),
        m.last_error ?? '–',
      ]),
      'no mirror port',
    );
    updateRows(
      thresholds.body,
      frame.thresholds.map((t) => [
        t.hostgroup,
        t.prefixes.length === 0 ? 'every other host' : t.prefixes.join(', '),
        t.ban === null ? '' : t.ban ? 'on' : 'off (monitor only)',
        limits(t.incoming),
        limits(t.outgoing),
      ]),
      'not reported',
    );
    const t = frame.table;
    updateRows(hosts.body, [
      [
        String(t.hosts),
        String(t.hosts_full),
        String(t.hosts_compact),
        String(t.hosts_protected),
        String(t.hosts_refused),
        `${si(t.memory_bytes)}B`,
        String(t.evictions_idle),
        String(t.evictions_full),
        `${t.last_tick_duration_us} µs`,
      ],
    ]);
    previous = frame;
  };
  if (app.live.latest) draw(app.live.latest);
  return app.live.onFrame(draw);
};
