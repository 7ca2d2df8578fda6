// Attacks: those under way (live) and the recent ones (GET /api/v1/attacks), and one attack's
// record: type, peak, breakdown, top sources and ports, its capture, its chart around its start.
import { get } from '../api.js';
import type { View } from '../app.js';
import { TimeChart } from '../chart.js';
import { h, table, updateRows } from '../dom.js';
import { attackType, bps, pps, time } from '../format.js';
import type { AttackRecord } from '../types.js';

const RECENT_REFRESH_MS = 5000;

const attackRow = (a: AttackRecord) => [
  { text: time(a.started_at), href: `#/attacks/${encodeURIComponent(a.id)}` },
  { text: a.ip, href: `#/host/${encodeURIComponent(a.ip)}` },
  a.direction,
  attackType(a.type),
  pps(a.peak.pps),
  bps(a.peak.mbps * 1e6),
  a.ended_at ? `ended ${time(a.ended_at)}` : 'under way',
];
const HEADERS = ['Started', 'Host', 'Direction', 'Type', 'Peak pps', 'Peak bit/s', 'Status'];

export const attacksView: View = (main, app) => {
  const active = table('Under way', HEADERS, { id: 'attacks-active' });
  const recent = table('Recent (the last 50)', HEADERS, { id: 'attacks-recent' });
  main.append(h('h2', {}, 'Attacks'), h('section', { class: 'panel' }, active.table), h('section', { class: 'panel' }, recent.table));
  const drawActive = () => updateRows(active.body, (app.live.latest?.attacks ?? []).slice().reverse().map(attackRow), 'no attack under way');
  const loadRecent = async () => {
    try {
      const { attacks } = await get<{ attacks: AttackRecord[] }>('/api/v1/attacks?limit=50');
      updateRows(recent.body, attacks.map(attackRow), 'no attack recorded');
    } catch (err) {
      app.say(`The attacks could not be read: ${(err as Error).message}`, 'error');
    }
  };
  let activeIds = '';
  const off = app.live.onFrame((frame) => {
    drawActive();
    const ids = frame.attacks.map((a) => a.id).join();
    if (ids !== activeIds) void loadRecent();
    activeIds = ids;
  });
  drawActive();
  void loadRecent();
  const timer = window.setInterval(loadRecent, RECENT_REFRESH_MS);
  return () => {
    off();
    window.clearInterval(timer);
  };
};

export const attackView: View = (main, app, id) => {
  const body = h('div', { id: 'attack' }, h('p', {}, 'loading…'));
  main.append(h('p', {}, h('a', { href: '#/attacks' }, '← all attacks')), body);
  let chart: TimeChart | null = null;
  // Assigned once the first load is under way; load clears it when the attack has ended.
  // eslint-disable-next-line prefer-const
  let timer: number | undefined;
  const load = async () => {
    try {
      const attack = await get<AttackRecord>(`/api/v1/attacks/${encodeURIComponent(id ?? '')}`);
      draw(attack);
      if (attack.ended_at) window.clearInterval(timer);
    } catch (err) {
      body.replaceChildren(h('p', { class: 'error' }, (err as Error).message));
      window.clearInterval(timer);
    }
  };
  const draw = (a: AttackRecord) => {
    chart?.destroy();
    const topTable = (caption: string, rows: AttackRecord['top_sources']) => {
      const t = table(caption, ['', 'packets', 'bytes']);
      updateRows(
        t.body,
        rows.map((r) => [r.key, String(r.packets), String(r.bytes)]),
      );
      return t.table;
    };
    const protocols = table('Breakdown at the peak', ['Protocol', 'pps', 'bit/s']);
    updateRows(
      protocols.body,
      Object.entries(a.protocols).map(([name, p]) => [name, pps(p.pps), bps(p.mbps * 1e6)]),
    );
    chart = new TimeChart(`${a.ip} ${a.direction} around the start`, [{ label: 'pps' }], pps);
    const startMs = Date.parse(a.started_at);
    // Before the start, what this page saw of the host (if it was open); from the start on, the
    // rate floodwatch recorded with the attack, whenever the page was opened.
    const seen = (app.history.hosts.get(a.ip) ?? [])
      .filter((p) => p.at >= startMs - 120_000 && (a.series === undefined || p.at < startMs))
      .map((p) => ({ at: p.at, pps: p[a.direction].pps }));
    const recorded = (a.series ?? []).map((p) => ({ at: p.at, pps: p.pps }));
    const points = [...seen, ...recorded].filter((p) => p.at <= startMs + 300_000).sort((x, y) => x.at - y.at);
    chart.set(
      points.map((p) => p.at),
      [points.map((p) => p.pps)],
    );
    body.replaceChildren(
      h('h2', {}, `${attackType(a.type)} on `, h('a', { href: `#/host/${encodeURIComponent(a.ip)}` }, a.ip)),
      h(
        'dl',
        { class: 'facts' },
        ...fact('Type', attackType(a.type)),
        ...fact('Direction', a.direction),
        ...fact('Hostgroup', a.hostgroup),
        ...fact('Threshold', `${a.threshold.metric} over ${a.threshold.value} (seen ${Math.round(a.threshold.observed)})`),
        ...fact('Started', time(a.started_at)),
        ...fact('Ended', a.ended_at ? time(a.ended_at) : 'under way'),
        ...fact('Peak', `${pps(a.peak.pps)}, ${bps(a.peak.mbps * 1e6)}, ${Math.round(a.peak.flows)} flows/s`),
        ...fact(
          'Capture',
          a.pcap
            ? h('a', { href: `/api/v1/attacks/${encodeURIComponent(a.id)}/pcap`, download: `${a.id}.pcap` }, 'download the pcap')
            : 'none (flow sources carry no packets)',
        ),
      ),
      points.length > 0
        ? chart.element
        : h(
            'p',
            { class: 'note' },
            'No rate was recorded for this attack (a record from before floodwatch kept them), and this page was not open around its start.',
          ),
      h(
        'div',
        { class: 'grid3' },
        protocols.table,
        topTable('Top sources', a.top_sources),
        topTable('Top source ports', a.top_source_ports),
        topTable('Top destination ports', a.top_destination_ports),
      ),
    );
  };
  void load();
  timer = window.setInterval(load, 2000);
  return () => {
    window.clearInterval(timer);
    chart?.destroy();
  };
};

function fact(name: string, value: string | Node): Node[] {
  return [h('dt', {}, name), h('dd', {}, value)];
}
