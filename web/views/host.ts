// One host: its speeds in and out (GET /api/v1/hosts/{ip} every second) with its own chart, the
// thresholds that apply to it, its recent attacks, and ban or unban.
import { ApiError, change, get } from '../api.js';
import type { View } from '../app.js';
import { TimeChart } from '../chart.js';
import { h, table, updateRows } from '../dom.js';
import { attackType, bps, flows, limits, pps, time } from '../format.js';
import type { AttackRecord, Ban, DirectionCounters } from '../types.js';
import { act } from './bans.js';

interface HostAnswer {
  ip: string;
  hostgroup: string;
  incoming: DirectionCounters;
  outgoing: DirectionCounters;
  thresholds?: { incoming: Record<string, unknown>; outgoing: Record<string, unknown> };
}

export const hostView: View = (main, app, ip = '') => {
  const status = h('p', { class: 'note' }, 'loading…');
  const figures = table('Now', ['Direction', 'pps', 'bit/s', 'flows/s', 'packets', 'bytes'], { id: 'host-figures' });
  const thresholds = table('Thresholds of its hostgroup', ['Direction', 'Limits']);
  const attacks = table('Its recent attacks', ['Started', 'Type', 'Direction', 'Peak pps', 'Status']);
  const chart = new TimeChart(`${ip} packets/s`, [{ label: 'incoming' }, { label: 'outgoing' }], pps);
  const banButton = h('button', { type: 'button', class: 'danger' }, 'Ban');
  const times: number[] = [];
  const series: number[][] = [[], []];
  for (const p of app.history.hosts.get(ip) ?? []) {
    times.push(p.at);
    series[0]!.push(p.incoming.pps);
    series[1]!.push(p.outgoing.pps);
  }
  main.append(
    h('p', {}, h('a', { href: '#/overview' }, '← traffic')),
    h('div', { class: 'toolbar' }, h('h2', {}, ip), banButton),
    status,
    chart.element,
    h('div', { class: 'grid2' }, h('section', { class: 'panel' }, figures.table, thresholds.table), h('section', { class: 'panel' }, attacks.table)),
  );

  let banned = false;
  const drawBan = (bans: Ban[]) => {
    banned = bans.some((b) => b.ip === ip);
    banButton.textContent = banned ? 'Unban' : 'Ban';
  };
  banButton.addEventListener('click', async () => {
    banButton.disabled = true;
    if (banned) await act(app, () => change('DELETE', `/api/v1/bans/${encodeURIComponent(ip)}`), `${ip} is unbanned`);
    else await act(app, () => change('POST', '/api/v1/bans', { ip }), `${ip} is banned`);
    drawBan((await get<{ bans: Ban[] }>('/api/v1/bans')).bans);
    banButton.disabled = false;
  });

  const poll = async () => {
    try {
      const host = await get<HostAnswer>(`/api/v1/hosts/${encodeURIComponent(ip)}`);
      status.textContent = `hostgroup ${host.hostgroup}`;
      const row = (name: string, d: DirectionCounters) => [name, pps(d.pps), bps(d.bps), flows(d.flows), String(d.packets_total), String(d.bytes_total)];
      updateRows(figures.body, [row('incoming', host.incoming), row('outgoing', host.outgoing)]);
      if (host.thresholds) {
        updateRows(
          thresholds.body,
          (['incoming', 'outgoing'] as const).map((d) => [d, limits(host.thresholds![d])]),
        );
      }
      times.push(Date.now());
      series[0]!.push(host.incoming.pps);
      series[1]!.push(host.outgoing.pps);
      if (times.length > 600) [times, ...series].forEach((column) => column.shift());
      chart.set(times, series);
    } catch (err) {
      status.textContent = err instanceof ApiError ? err.message : `the API cannot be reached: ${(err as Error).message}`;
    }
  };
  const loadAttacks = async () => {
    try {
      const { attacks: all } = await get<{ attacks: AttackRecord[] }>('/api/v1/attacks?limit=200');
      updateRows(
        attacks.body,
        all
          .filter((a) => a.ip === ip)
          .map((a) => [
            { text: time(a.started_at), href: `#/attacks/${encodeURIComponent(a.id)}` },
            attackType(a.type),
            a.direction,
            pps(a.peak.pps),
            a.ended_at ? 'ended' : 'under way',
          ]),
        'none recorded',
      );
    } catch {
      // Shown by the next poll's status.
    }
  };
  if (app.live.latest) drawBan(app.live.latest.bans.list);
  const off = app.live.onFrame((frame) => drawBan(frame.bans.list));
  void poll();
  void loadAttacks();
  const timer = window.setInterval(poll, 1000);
  const attackTimer = window.setInterval(loadAttacks, 5000);
  return () => {
    off();
    window.clearInterval(timer);
    window.clearInterval(attackTimer);
    chart.destroy();
  };
};
