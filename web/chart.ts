// A live time-series chart (uPlot): a fixed window of points, new ones pushed every second, sized
// to its container, redrawn in the theme's colours.
import uPlot from 'uplot';
import { cssVar, onThemeChange } from './theme.js';

export interface SeriesSpec {
  label: string;
}

const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600];

/** The series colours, as the style sheet defines them (--series-1…). */
const seriesColor = (i: number) => cssVar(`--series-${(i % 6) + 1}`);

export class TimeChart {
  readonly element: HTMLElement;
  #plot: uPlot | null = null;
  #data: number[][];
  #resize: ResizeObserver;
  #unsubscribe: () => void;

  constructor(
    readonly title: string,
    private readonly series: SeriesSpec[],
    private readonly format: (value: number) => string,
    private readonly points = 300,
  ) {
    this.element = document.createElement('figure');
    this.element.className = 'chart';
    this.element.setAttribute('aria-label', title);
    this.#data = [[], ...series.map(() => [])];
    this.#resize = new ResizeObserver(() => this.#build());
    this.#resize.observe(this.element);
    this.#unsubscribe = onThemeChange(() => this.#build());
  }

  /** Adds one point per series at `at` (ms since the epoch). */
  push(at: number, values: number[]): void {
    this.#data[0]!.push(at / 1000);
    values.forEach((value, i) => this.#data[i + 1]!.push(value));
    if (this.#data[0]!.length > this.points) for (const column of this.#data) column.shift();
    this.#plot?.setData(this.#data as uPlot.AlignedData);
  }

  /** Replaces every point: times in ms, one array of values per series. */
  set(times: number[], values: number[][]): void {
    this.#data = [times.map((t) => t / 1000), ...values];
    this.#plot?.setData(this.#data as uPlot.AlignedData);
  }

  destroy(): void {
    this.#resize.disconnect();
    this.#unsubscribe();
    this.#plot?.destroy();
  }

  #build(): void {
    const width = Math.floor(this.element.clientWidth);
    if (width === 0) return;
    const height = Math.max(160, Math.min(Math.round(window.innerHeight * 0.4), Math.round(width * 0.32)));
    // The axes' type follows the page's (it grows on a wall screen).
    const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    const font = `${Math.round(rem * 0.75)}px system-ui, sans-serif`;
    this.#plot?.destroy();
    const fg = cssVar('--muted');
    const grid = cssVar('--grid');
    const format = this.format;
    const axis = { stroke: fg, font, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    this.#plot = new uPlot(
      {
        title: this.title,
        width,
        height,
        cursor: { drag: { x: false, y: false } },
        scales: { y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
        // Whole seconds at least on the time axis, however few points there are yet.
        axes: [
          { ...axis, incrs: TIME_STEPS },
          { ...axis, size: Math.round(rem * 5.5), values: (_u, ticks) => ticks.map((v) => format(v)) },
        ],
        series: [
          {},
          ...this.series.map((s, i) => ({
            label: s.label,
            stroke: seriesColor(i),
            width: i === 0 ? 2 : 1.5,
            points: { show: false },
            value: (_u: uPlot, v: number | null) => (v === null ? '–' : format(v)),
          })),
        ],
      },
      this.#data as uPlot.AlignedData,
      this.element,
    );
  }
}
