// `floodwatch top`: a live view of the totals, the top hosts in and out and the bans, refreshed
// from the REST API. On a terminal it takes the alternate screen and gives it back on exit;
// otherwise (or with --once) it prints one frame.
import type { Ban } from '../attacks/types.js';
import type { Metric, TrafficTotals } from '../engine/index.js';
import { Command } from 'commander';
import { ApiClient, listFrom, resolveEndpoint, UsageError, withConnectionOptions, type ConnectionOptions } from './client.js';
import { onRun, runCommandLine } from './commander.js';
import { renderTopScreen, SORT_KEYS, type HostRow, type TopData } from './top-screen.js';

const DEFAULT_SIZE = { columns: 80, rows: 24 };
/** As many hosts as GET /api/v1/hosts gives at once. */
const MAX_HOSTS = 1000;

export function topCli(): Command {
  const command = withConnectionOptions(
    new Command('top')
      .summary('live view of the top hosts, totals and bans')
      .description(
        'The totals, the top hosts incoming and outgoing and the bans, refreshed every second.\n' +
          'Keys: p sort by pps, b by Mbit/s, f by flows/s, q quit.\n' +
          'Without a terminal (or with --once) it prints one screen and exits.',
      )
      .usage('[--interval SECONDS] [--once]')
      .option('--interval <SECONDS>', 'time between refreshes (default 1)')
      .option('--once', 'print one screen and exit'),
  );
  return onRun(command, async () => {
    const options = command.opts<ConnectionOptions & { interval?: string; once?: boolean }>();
    const intervalMs = parseInterval(options.interval);
    const client = new ApiClient(await resolveEndpoint(options));
    const size = () => ({ columns: process.stdout.columns || DEFAULT_SIZE.columns, rows: process.stdout.rows || DEFAULT_SIZE.rows });
    const first = await fetchTopData(client, 'pps', size().rows);
    if (options.once || !process.stdout.isTTY) {
      process.stdout.write(`${renderTopScreen(first, size().columns, size().rows)}\n`);
      return 0;
    }
    await runLiveView(client, first, intervalMs, size);
    return 0;
  });
}

export const topCommand = (args: string[]) => runCommandLine(topCli(), args);

function parseInterval(text: string | undefined): number {
  if (text === undefined) return 1000;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 0.1 || seconds > 3600) {
    throw new UsageError(`--interval '${text}' is not a number of seconds from 0.1 to 3600`);
  }
  return seconds * 1000;
}

/** Everything one screen shows, fetched at once; `limit` hosts per direction. */
export async function fetchTopData(client: ApiClient, sort: Metric, limit: number): Promise<TopData> {
  const hosts = (direction: string) =>
    client
      .get<unknown>(`/api/v1/hosts?direction=${direction}&sort=${sort}&limit=${Math.min(limit, MAX_HOSTS)}`)
      .then((body) => listFrom<HostRow>(body, 'hosts'));
  const [totals, incoming, outgoing, bans] = await Promise.all([
    client.get<TrafficTotals>('/api/v1/traffic'),
    hosts('incoming'),
    hosts('outgoing'),
    client.get<unknown>('/api/v1/bans').then((body) => listFrom<Ban>(body, 'bans')),
  ]);
  return { url: client.url, sort, totals, incoming, outgoing, bans, fetchedAt: Date.now() };
}

// ---------------------------------------------------------------------------------------------
// The live view

const ALTERNATE_SCREEN = '\x1b[?1049h';
const NORMAL_SCREEN = '\x1b[?1049l';
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';
const CTRL_C = '\x03';

/** Each line drawn at its own row and cleared to its end, so nothing scrolls or flickers. */
function frame(screen: string): string {
  const lines = screen.split('\n');
  return lines.map((line, i) => `\x1b[${i + 1};1H${line}\x1b[K`).join('') + '\x1b[J';
}

type Size = () => { columns: number; rows: number };

/** Until q, Ctrl-C, SIGINT, SIGTERM or SIGHUP; the terminal is given back as it was in every case. */
function runLiveView(client: ApiClient, first: TopData, intervalMs: number, size: Size): Promise<void> {
  const { stdin, stdout } = process;
  let data = first;
  let sort = first.sort;
  let timer: NodeJS.Timeout | undefined;
  let inFlight = false;
  let again = false;
  let stopped = false;

  const draw = () => {
    const { columns, rows } = size();
    stdout.write(frame(renderTopScreen(data, columns, rows)));
  };

  const refresh = async () => {
    clearTimeout(timer);
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    try {
      data = await fetchTopData(client, sort, size().rows);
    } catch (error) {
      data = { ...data, sort, error: (error as Error).message };
    }
    inFlight = false;
    if (stopped) return;
    draw();
    if (again) {
      again = false;
      void refresh();
    } else {
      timer = setTimeout(() => void refresh(), intervalMs);
    }
  };

  return new Promise((resolve) => {
    const onKey = (key: string) => {
      if (key === 'q' || key === 'Q' || key === CTRL_C) return stop();
      const metric = SORT_KEYS[key];
      if (metric && metric !== sort) {
        sort = metric;
        data = { ...data, sort };
        draw();
        void refresh();
      }
    };
    const onInput = (chunk: string) => {
      // Arrow and function keys arrive as escape sequences whose letters are not commands.
      if (chunk.startsWith('\x1b')) return;
      for (const key of chunk) if (!stopped) onKey(key);
    };
    const restoreOnExit = () => {
      // Last resort when something ends the process first: synchronous, nothing else runs then.
      if (!stopped) stdout.write(SHOW_CURSOR + NORMAL_SCREEN);
    };
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    const stop = () => {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      for (const signal of signals) process.off(signal, stop);
      process.off('exit', restoreOnExit);
      stdout.off('resize', draw);
      stdin.off('data', onInput);
      if (stdin.isTTY) stdin.setRawMode(false);
      stdin.pause();
      stdout.write(SHOW_CURSOR + NORMAL_SCREEN);
      resolve();
    };

    for (const signal of signals) process.on(signal, stop);
    process.on('exit', restoreOnExit);
    stdout.write(ALTERNATE_SCREEN + HIDE_CURSOR);
    stdout.on('resize', draw);
    if (stdin.isTTY) stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.on('data', onInput);
    stdin.resume();
    draw();
    timer = setTimeout(() => void refresh(), intervalMs);
  });
}
