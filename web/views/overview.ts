// Traffic: the totals per direction now, their charts per protocol class, and the top talkers in
// and out, sortable by pps, bit/s and flows.
import type { View } from '../app.js';
import { TimeChart } from '../chart.js';
import { h, table, updateRows } from '../dom.js';
import { METRIC_FORMAT, attackType } from '../format.js';
import { PROTOCOLS } from '../history.js';
import type { Direction, LiveFrame, Metric } from '../types.js';

const DIRECTIONS: Direction[] = ['incoming', 'outgoing'];
const METRICS: { metric: Metric; label: string }[] = [
  { metric: 'pps', label: 'packets/s' },
  { metric: 'bps', label: 'bit/s' },
  { metric: 'flows', label: 'flows/s' },
];
const SERIES = ['total', ...PROTOCOLS];

export const overviewView: View = (main, app) => {
  let chartMetric: Metric = 'pps';
  const sortBy: Record<Direction, Metric> = { incoming: 'pps', outgoing: 'pps' };

  const stats = h('section', { class: 'stats', 'aria-label': 'Totals now' });
  const statValue = new Map<string, HTMLElement>();
  for (const direction of DIRECTIONS) {
    for (const { metric, label } of METRICS) {
      const value = h('span', { class: 'value', id: `stat-${direction}-${metric}` }, '–');
      statValue.set(`${direction}-${metric}`, value);
      stats.append(h('div', { class: `stat ${direction}` }, h('span', { class: 'label' }, `${direction} ${label}`), value));
    }
  }

  const metricPicker = h('div', { class: 'segmented', role: 'group', 'aria-label': 'Charts show' });
  const charts = new Map<Direction, TimeChart>();
  const chartBox = h('section', { class: 'charts' });
  const buildCharts = () => {
    for (const chart of charts.values()) chart.destroy();
    chartBox.replaceChildren();
    for (const direction of DIRECTIONS) {
      const series = chartMetric === 'flows' ? ['total'] : SERIES;
      const chart = new TimeChart(
        `${direction} ${METRICS.find((m) => m.metric === chartMetric)!.label}`,
        series.map((label) => ({ label })),
        METRIC_FORMAT[chartMetric],
      );
      charts.set(direction, chart);
      chartBox.append(chart.element);
    }
    drawCharts();
  };
  const drawCharts = () => {
    for (const [direction, chart] of charts) {
      const series = chartMetric === 'flows' ? ['total'] : SERIES;
      chart.set(
        app.history.times,
        series.map((protocol) => app.history.series(direction, chartMetric, protocol) as number[]),
      );
    }
  };
  for (const { metric, label } of METRICS) {
    metricPicker.append(
      h(
        'button',
        {
          type: 'button',
          'data-metric': metric,
          'aria-pressed': String(metric === chartMetric),
          onclick: () => {
            chartMetric = metric;
            for (const b of metricPicker.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.metric === metric));
            buildCharts();
          },
        },
        label,
      ),
    );
  }

  const tops = h('section', { class: 'tops' });
  const topBodies = new Map<Direction, HTMLTableSectionElement>();
  for (const direction of DIRECTIONS) {
    const { table: t, body } = table(`Top talkers ${direction}`, ['Host', 'Hostgroup', 'pps', 'bit/s', 'flows/s'], { id: `top-${direction}` });
    const sorter = h('div', { class: 'segmented', role: 'group', 'aria-label': `Sort top talkers ${direction} by` });
    for (const { metric } of METRICS) {
      sorter.append(
        h(
          'button',
          {
            type: 'button',
            'data-sort': metric,
            'aria-pressed': String(metric === 'pps'),
            onclick: () => {
              sortBy[direction] = metric;
              for (const b of sorter.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.sort === metric));
              if (app.live.latest) drawTop(app.live.latest);
            },
          },
          `by ${metric === 'bps' ? 'bit/s' : metric}`,
        ),
      );
    }
    topBodies.set(direction, body);
    tops.append(h('div', { class: 'panel' }, sorter, t));
  }

  const attacks = h('ul', { class: 'active-attacks', 'aria-label': 'Attacks under way' });

  main.append(
    stats,
    h('div', { class: 'toolbar' }, h('h2', {}, 'Traffic'), metricPicker),
    chartBox,
    h('section', { class: 'panel' }, h('h2', {}, 'Attacks under way'), attacks),
    tops,
  );
  buildCharts();

  const drawTop = (frame: LiveFrame) => {
    for (const direction of DIRECTIONS) {
      const rows = frame.top[direction][sortBy[direction]].map((row) => [
        { text: row.ip, href: `#/host/${encodeURIComponent(row.ip)}` },
        row.hostgroup,
        METRIC_FORMAT.pps(row.pps),
        METRIC_FORMAT.bps(row.bps),
        METRIC_FORMAT.flows(row.flows),
      ]);
      updateRows(topBodies.get(direction)!, rows, 'no traffic');
    }
  };
  const draw = (frame: LiveFrame) => {
    for (const direction of DIRECTIONS) {
      for (const { metric } of METRICS) statValue.get(`${direction}-${metric}`)!.textContent = METRIC_FORMAT[metric](frame.totals[direction][metric]);
    }
    drawCharts();
    drawTop(frame);
    attacks.replaceChildren(
      ...(frame.attacks.length === 0
        ? [h('li', { class: 'empty' }, 'none')]
        : frame.attacks.map((a) =>
            h(
              'li',
              {},
              h('a', { href: `#/attacks/${encodeURIComponent(a.id)}` }, `${attackType(a.type)} on ${a.ip}`),
              ` ${a.direction}, peak ${METRIC_FORMAT.pps(a.peak.pps)}`,
            ),
          )),
    );
  };
  if (app.live.latest) draw(app.live.latest);
  const off = app.live.onFrame(draw);
  return () => {
    off();
    for (const chart of charts.values()) chart.destroy();
  };
};
